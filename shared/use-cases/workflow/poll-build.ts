import { knownCommit } from '../../commit-info.ts';
import type { BuildFailureCause, BuildService, RunRepository } from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import type { RunJournal } from '../run-journal.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS, type WorkflowLimits } from './contract.ts';
import { loadRun } from './run-context.ts';

export interface PollBuildPorts {
  runs: RunRepository;
  build: Pick<BuildService, 'poll' | 'cancel'>;
  journal: RunJournal;
  limits: Pick<WorkflowLimits, 'buildPolls'>;
}

/** Each kind of build failure has its own error name, so FailRun's hint fits the cause. */
const BUILD_FAILURES: Record<BuildFailureCause, string> = {
  source: WORKFLOW_ERRORS.buildSourceUnreachable,
  branch: WORKFLOW_ERRORS.buildBranchNotFound,
  command: WORKFLOW_ERRORS.buildFailed,
  platform: WORKFLOW_ERRORS.buildPlatformFailed,
};

/** PollBuild: copy new log lines into the run's log, follow the phase, and report the outcome. */
export function makePollBuild({ runs, build, journal, limits }: PollBuildPorts) {
  const pollBuild: DeployTaskFn<'PollBuild'> = async (state) => {
    const previous = state.build;
    if (!previous) throw new WorkflowError(WORKFLOW_ERRORS.noBuild, 'PollBuild ran before TriggerBuild.');
    let run = await loadRun(runs, state);
    const progress = await build.poll(previous.buildId, previous.offset ?? undefined);
    if (progress.lines.length > 0) await journal.log(run, progress.lines, 'build');
    if (progress.phase === 'push' && run.status === 'building') {
      run = await journal.change(run, { status: 'pushing', step: 'push' });
    }
    const polls = previous.polls + 1;
    const next = { buildId: previous.buildId, offset: progress.nextOffset, polls, state: progress.state };
    if (progress.state === 'succeeded') {
      if (!progress.image)
        throw new WorkflowError(
          WORKFLOW_ERRORS.buildFailed,
          'The build finished without recording an image.',
        );
      await journal.change(run, {
        set: {
          image: progress.image,
          images: progress.images,
          sourceCommit: progress.sourceCommit,
          // What the build read of the commit wins; a push's record of the same commit stays otherwise.
          commit: knownCommit(progress.commit ?? run.commit, progress.sourceCommit),
        },
      });
      await journal.log(run, `✔ Image ${progress.image.reference} (${progress.image.digest.slice(0, 19)}…)`);
      return next;
    }
    if (progress.state === 'failed') {
      throw new WorkflowError(
        BUILD_FAILURES[progress.cause ?? 'command'],
        progress.reason ?? 'The build failed.',
      );
    }
    if (progress.state === 'cancelled') {
      throw new WorkflowError(WORKFLOW_ERRORS.buildCancelled, progress.reason ?? 'The build was cancelled.');
    }
    if (polls >= limits.buildPolls) {
      await build.cancel(previous.buildId);
      throw new WorkflowError(
        WORKFLOW_ERRORS.buildTimedOut,
        `The build did not finish within ${polls} checks and was cancelled.`,
      );
    }
    return next;
  };
  return pollBuild;
}
