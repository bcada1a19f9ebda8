import type { PendingRelease } from '../../deploy.ts';
import type { GitOpsRepository, RunRepository, SyncService } from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import { RELEASE_FILE } from '../../manifests/names.ts';
import type { RunJournal } from '../run-journal.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS, type WorkflowLimits } from './contract.ts';
import { appOf, loadRun } from './run-context.ts';

export interface CheckSyncPorts {
  runs: RunRepository;
  sync: SyncService;
  gitops: Pick<GitOpsRepository, 'readFile'>;
  journal: RunJournal;
  limits: Pick<WorkflowLimits, 'syncChecks'>;
}

/** CheckSync re-requests the sync every this many checks while the app is not at the commit. */
export const RESYNC_EVERY = 6;

/**
 * CheckSync: done only when the app runs exactly this commit, Synced and Healthy. Argo CD reports
 * the branch head it synced to, which moves on when another project commits; a later revision
 * that still has this release's release.json for the app counts as this commit.
 */
export function makeCheckSync({ runs, sync, gitops, journal, limits }: CheckSyncPorts) {
  /** The app at `revision` is what `commit` wrote: the same commit, or a later one that left its release.json alone. */
  const runsRelease = async (revision: string | undefined, commit: string, pending: PendingRelease) => {
    if (!revision) return false;
    if (revision === commit) return true;
    const path = `${pending.gitopsPath}/${RELEASE_FILE}`;
    const [there, ours] = await Promise.all([gitops.readFile(revision, path), gitops.readFile(commit, path)]);
    return there !== undefined && there === ours;
  };

  const checkSync: DeployTaskFn<'CheckSync'> = async (state) => {
    const run = await loadRun(runs, state);
    if (!run.pendingRelease || !run.gitopsCommit)
      throw new WorkflowError(WORKFLOW_ERRORS.noCommit, 'Nothing was committed to sync.');
    const status = await sync.status(appOf(run.pendingRelease), { logAfter: state.sync?.logNext });
    const checks = (state.sync?.checks ?? 0) + 1;
    // What the rollout printed (probe answers, the countdown, the app's own output) goes into the
    // run log as it comes, so a user sees why it waits, not a silent minute.
    if (status.log && status.log.lines.length > 0)
      await journal.log(
        run,
        status.log.lines.map((line) => `  ${line}`),
      );
    const logNext = status.log?.next ?? state.sync?.logNext;
    const tracked = logNext === undefined ? {} : { logNext };
    const atCommit = await runsRelease(status.revision, run.gitopsCommit, run.pendingRelease);
    const seen = `${atCommit ? 'at commit' : `at ${status.revision?.slice(0, 12) ?? 'no revision'}`}, ${status.sync}, ${status.health}`;
    if (seen !== state.sync?.seen) {
      await journal.log(run, `  sync: ${seen}${status.message ? ` — ${status.message}` : ''}`);
    }
    if (atCommit && status.sync === 'Synced' && status.health === 'Healthy')
      return { state: 'synced', checks, seen, ...tracked };
    if (atCommit && (status.health === 'Degraded' || status.health === 'Missing' || status.operationFailed)) {
      return {
        state: 'degraded',
        checks,
        seen,
        ...tracked,
        message: status.message ?? `The app is ${status.health}.`,
      };
    }
    // Still not at the commit: ask again now and then (a sync requested while an older operation
    // ran is not queued by Argo CD; a refresh is cheap and idempotent).
    if (!atCommit && checks % RESYNC_EVERY === 0) {
      await sync.requestSync(appOf(run.pendingRelease), run.gitopsCommit);
    }
    if (checks >= limits.syncChecks) {
      return {
        state: 'degraded',
        checks,
        seen,
        ...tracked,
        // The sync system's last words (the local reconciler's: the last probe answer) come first:
        // they say what to fix; the generic part only says that the wait ran out.
        message: status.message
          ? `${status.message.replace(/\.?$/, '.')} The app did not become synced and healthy in time (last seen: ${seen}).`
          : `The app did not become synced and healthy in time (last seen: ${seen}).`,
      };
    }
    return { state: 'waiting', checks, seen, ...tracked };
  };
  return checkSync;
}
