import type { SyncService } from '../../../shared/deploy-ports.ts';
import { createArgoCdSyncService } from '../../adapters/argocd/argocd-sync-service.ts';
import { choice, setting } from '../config.ts';
import { platformSecret } from '../platform-secret.ts';
import { deferred, productionAdapters } from './registry.ts';

/** WHARF_SYNC=argocd: refresh, sync and status through the Argo CD API. */
export function argoCdSyncService(env: NodeJS.ProcessEnv): SyncService {
  const url = setting(env, 'WHARF_ARGOCD_URL', 'the Argo CD API server, e.g. https://argocd.example.com');
  const refresh = choice(env, 'WHARF_ARGOCD_REFRESH', ['normal', 'hard'] as const, 'normal');
  const service = deferred(async () =>
    createArgoCdSyncService({
      url,
      refresh,
      token: await platformSecret(env, 'argocd', 'an Argo CD API token that may get and sync apps'),
    }),
  );
  return {
    requestSync: async (app, revision) => (await service()).requestSync(app, revision),
    status: async (app) => (await service()).status(app),
  };
}

productionAdapters.argocd = argoCdSyncService;
