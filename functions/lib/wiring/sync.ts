import type { SyncService } from '../../../shared/deploy-ports.ts';
import { createArgoCdSyncService } from '../../adapters/argocd/argocd-sync-service.ts';
import { choice, setting } from '../config.ts';
import { platformSecret } from '../platform-secret.ts';
import { traceUpstream } from '../tracer.ts';
import { localPlatform } from './local.ts';
import { deferred, port, settings } from './ports.ts';

/** WHARF_SYNC=argocd: refresh, sync and status through the Argo CD API; `local`: the local reconciler. */
export const syncService = port('syncService', (): SyncService => {
  const { env, mode } = settings();
  const kind = choice(
    env,
    'WHARF_SYNC',
    ['local', 'argocd'] as const,
    mode === 'local' ? 'local' : undefined,
  );
  if (kind === 'local') return localPlatform().sync;
  const url = setting(env, 'WHARF_ARGOCD_URL', 'the Argo CD API server, e.g. https://argocd.example.com');
  const refresh = choice(env, 'WHARF_ARGOCD_REFRESH', ['normal', 'hard'] as const, 'normal');
  const argocd = deferred(async () =>
    createArgoCdSyncService({
      url,
      refresh,
      token: await platformSecret(env, 'argocd', 'an Argo CD API token that may get and sync apps'),
    }),
  );
  return {
    requestSync: (app, revision) =>
      traceUpstream('ArgoCd.requestSync', async () => (await argocd()).requestSync(app, revision)),
    status: (app) => traceUpstream('ArgoCd.status', async () => (await argocd()).status(app)),
    workloads: (app) => traceUpstream('ArgoCd.workloads', async () => (await argocd()).workloads(app)),
    runCronJob: (app, cronJob) =>
      traceUpstream('ArgoCd.runCronJob', async () => (await argocd()).runCronJob(app, cronJob)),
  };
});
