import type { Workloads } from '../../../shared/use-cases/databases.ts';
import { settings } from './ports.ts';
import { syncService } from './sync.ts';

/**
 * The running workloads, for a database's loopback address: only the local platform publishes ports on
 * this machine, so in AWS nothing is asked (and the functions need no Argo CD grant for it).
 */
export function localWorkloads(): Workloads | undefined {
  if (settings().mode !== 'local') return undefined;
  const sync = syncService();
  return sync.workloads?.bind(sync);
}
