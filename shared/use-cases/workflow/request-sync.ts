import type { RunRepository, SyncService } from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import type { RunJournal } from '../run-journal.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { appOf, loadRun } from './run-context.ts';

export interface RequestSyncPorts {
  runs: RunRepository;
  sync: Pick<SyncService, 'requestSync'>;
  journal: RunJournal;
}

/** RequestSync: ask the sync service to apply exactly the run's commit. */
export function makeRequestSync({ runs, sync, journal }: RequestSyncPorts) {
  const requestSync: DeployTaskFn<'RequestSync'> = async (state) => {
    const run = await loadRun(runs, state);
    const { pendingRelease: pending, gitopsCommit: commit } = run;
    if (!pending || !commit)
      throw new WorkflowError(WORKFLOW_ERRORS.noCommit, 'Nothing was committed to sync.');
    if (run.status !== 'syncing') await journal.change(run, { status: 'syncing', step: 'sync' });
    await sync.requestSync(appOf(pending), commit);
    await journal.log(
      run,
      `▶ Waiting for ${pending.appName} to sync to ${commit.slice(0, 12)} and become healthy`,
    );
    return undefined;
  };
  return requestSync;
}
