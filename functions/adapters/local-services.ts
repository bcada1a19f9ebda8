import type { SyncService } from '../../shared/deploy-ports.ts';

/**
 * Services that live inside the local stack's process (the reconciler runs app processes and serves
 * their hosts). The stack registers them; handlers running in the same process find them here.
 */
const reconcilers = new Map<string, SyncService>();

export const localReconcilerFor = {
  register(dataDir: string, reconciler: SyncService | undefined) {
    if (reconciler) reconcilers.set(dataDir, reconciler);
    else reconcilers.delete(dataDir);
  },
  get(dataDir: string): SyncService {
    const found = reconcilers.get(dataDir);
    if (!found)
      throw new Error(`The local reconciler for ${dataDir} is not running; it runs inside \`npm start\`.`);
    return found;
  },
};
