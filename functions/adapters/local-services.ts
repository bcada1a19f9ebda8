import type { BuildService, GitOpsRepository, SyncService } from '../../shared/deploy-ports.ts';

/**
 * The local platform's build runner, GitOps repository and reconciler live inside the `npm start`
 * process (they run builds and apps and serve app hosts). The stack registers them here per data
 * folder; handlers in the same process find them. Lambda bundles never include the local adapters.
 */
export interface LocalServices {
  build: BuildService;
  gitops: GitOpsRepository;
  sync: SyncService;
}

const registry = new Map<string, LocalServices>();

export const localServices = {
  register(dataDir: string, services: LocalServices | undefined) {
    if (services) registry.set(dataDir, services);
    else registry.delete(dataDir);
  },
  get(dataDir: string): LocalServices {
    const found = registry.get(dataDir);
    if (!found)
      throw new Error(
        `The local build, GitOps and sync services for ${dataDir} run inside \`npm start\`; it is not running here.`,
      );
    return found;
  },
};
