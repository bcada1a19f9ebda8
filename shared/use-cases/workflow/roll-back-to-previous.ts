import { TERMINAL_STATUSES } from '../../deploy.ts';
import type {
  DeployTurnRepository,
  GitOpsRepository,
  ReleaseRepository,
  RunRepository,
  SyncService,
} from '../../deploy-ports.ts';
import type { RunJournal } from '../run-journal.ts';
import type { DeployTaskFn } from './contract.ts';
import { finishTurn, loadRun, releaseFiles } from './run-context.ts';

export interface RollBackToPreviousPorts {
  runs: RunRepository;
  turns: Pick<DeployTurnRepository, 'getEnvironment' | 'releaseTurn'>;
  releases: Pick<ReleaseRepository, 'getRelease'>;
  gitops: Pick<GitOpsRepository, 'commit' | 'readFile'>;
  sync: Pick<SyncService, 'requestSync'>;
  journal: RunJournal;
}

/**
 * RollBackToPrevious: after a failed rollout, commit the environment's current release again, so
 * what runs is what ran before. Without an earlier release the run simply fails.
 */
export function makeRollBackToPrevious({
  runs,
  turns,
  releases,
  gitops,
  sync,
  journal,
}: RollBackToPreviousPorts) {
  const rollBackToPrevious: DeployTaskFn<'RollBackToPrevious'> = async (state) => {
    let run = await loadRun(runs, state);
    if (TERMINAL_STATUSES.has(run.status)) {
      await finishTurn(turns, run);
      return { result: run.status === 'rolled_back' ? 'rolled_back' : 'failed' };
    }
    const reason = state.sync?.message ?? 'The rollout did not become healthy.';
    const env = await turns.getEnvironment(run.projectId, run.environment);
    const previous = env.currentReleaseId
      ? await releases.getRelease(run.projectId, env.currentReleaseId)
      : undefined;
    if (!previous) {
      await journal.log(run, `✖ ${reason} There is no earlier release to roll back to.`);
      await journal.change(run, {
        status: 'failed',
        endStep: 'failed',
        set: {
          failureReason: reason,
          hint: 'This was the first release: fix the app (see the log) and deploy again.',
        },
      });
      await finishTurn(turns, run);
      return { result: 'failed' };
    }
    run = await journal.change(run, { step: 'rollback', endStep: 'failed' });
    await journal.log(run, `✖ ${reason}`);
    await journal.log(run, `↩ Rolling back to release ${previous.number} (${previous.image.reference})`);
    const { commit } = await gitops.commit({
      message: `Roll back ${run.projectName} (${run.environment}) to release ${previous.number}\n\nRun ${run.id} failed its rollout: ${reason}`,
      author: { name: 'Wharf', email: 'wharf@users.wharf.invalid' },
      files: await releaseFiles(gitops, previous),
    });
    await sync.requestSync(
      { name: previous.appName, path: previous.gitopsPath, namespace: run.pendingRelease?.namespace ?? '' },
      commit,
    );
    await journal.log(run, `✔ Release ${previous.number} committed again: ${commit.slice(0, 12)}`);
    await journal.change(run, {
      status: 'rolled_back',
      endStep: 'succeeded',
      set: {
        failureReason: reason,
        hint: `Release ${previous.number} is live again. Fix the problem (see the log) and deploy again.`,
      },
    });
    await finishTurn(turns, run);
    return { result: 'rolled_back' };
  };
  return rollBackToPrevious;
}
