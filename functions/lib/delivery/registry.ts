import type { BuildService, GitOpsRepository, SyncService } from '../../../shared/deploy-ports.ts';
import type { TableRef } from '../../adapters/dynamodb/client.ts';

/**
 * The production adapters of the delivery ports (Jenkins, GitHub, Argo CD), registered by the
 * modules beside this one. A handler imports the ones it uses (`import '../lib/delivery/jenkins.ts'`),
 * so its bundle carries only those clients and its function holds only those credentials;
 * delivery-deps.ts resolves a port from here. Each is built from settings (endpoints, checked when the
 * port is first used) and a platform secret (read once, on the first call, then reused).
 */
/** What an adapter may use besides its settings: the control plane's table (the commit queue). */
export interface DeliveryContext {
  table: TableRef;
}

export interface ProductionAdapters {
  jenkins?: (env: NodeJS.ProcessEnv, context: DeliveryContext) => BuildService;
  github?: (env: NodeJS.ProcessEnv, context: DeliveryContext) => GitOpsRepository;
  argocd?: (env: NodeJS.ProcessEnv, context: DeliveryContext) => SyncService;
}

export const productionAdapters: ProductionAdapters = {};

/** Makes the value once, on first use; a failure (say, a secret read) is retried by the next call. */
export function deferred<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
