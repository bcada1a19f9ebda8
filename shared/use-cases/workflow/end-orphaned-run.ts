import { type Run, TERMINAL_STATUSES } from '../../deploy.ts';
import type { BuildService, DeployTurnRepository, RunRepository } from '../../deploy-ports.ts';
import { DomainError } from '../../errors.ts';
import { cancelledReason } from '../cancel-run.ts';
import {
  type FailRunPorts,
  type FailureHints,
  MAY_HAVE_COMMITTED,
  reasonFrom,
  restoreAfterFailure,
} from './fail-run.ts';
import { finishTurn } from './run-context.ts';

/**
 * How a run's execution ended without its last step: a Step Functions execution that FAILED (a
 * Lambda crash, an error no Catch handles, FailRun itself failing), TIMED_OUT or was ABORTED, or a
 * local platform that was killed and restarted (its executions are gone).
 */
export type ExecutionEnding =
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string | undefined; cause: string | undefined }
  | { status: 'PLATFORM_RESTARTED' };

export const PLATFORM_RESTARTED: ExecutionEnding = { status: 'PLATFORM_RESTARTED' };

export interface EndOrphanedRunPorts extends Omit<FailRunPorts, 'runs' | 'build'> {
  runs: Pick<RunRepository, 'get' | 'find'>;
  turns: FailRunPorts['turns'] & Pick<DeployTurnRepository, 'releaseTurn'>;
  build: Pick<BuildService, 'cancel'>;
  hints: FailureHints;
}

function describeEnding(
  run: Run,
  ending: ExecutionEnding,
  hints: FailureHints,
): { reason: string; hint: string } {
  switch (ending.status) {
    case 'PLATFORM_RESTARTED':
      return {
        reason: 'The platform restarted while this run was in progress (platform restarted).',
        hint: 'Deploy again.',
      };
    case 'ABORTED':
      // A user's Cancel records who and why before it stops the execution.
      if (run.cancellation) {
        return { reason: cancelledReason(run.cancellation), hint: 'Deploy again when you are ready.' };
      }
      return {
        reason: 'The workflow execution was stopped before the run finished.',
        hint: 'Deploy again when you are ready.',
      };
    case 'TIMED_OUT':
      return {
        reason: 'The workflow execution timed out before the run finished.',
        hint: reasonFrom({ Error: 'States.Timeout' }, { 'States.Timeout': 'Deploy again.', ...hints }).hint,
      };
    case 'FAILED': {
      const { reason, hint } = reasonFrom({ Error: ending.error, Cause: ending.cause }, hints);
      return { reason: `The workflow execution failed: ${reason}`, hint };
    }
  }
}

/**
 * Ends a run whose execution ended without reaching FailRun or FinishRun (no stuck run): the run
 * ends failed (an aborted execution: cancelled) with the cause, a build still running is stopped,
 * Git is put back to the recorded release when the run was past its GitOps commit (live state =
 * record), and the environment's deploy turn passes on. Idempotent: a run that has already ended is
 * left as it is (its turn is still released if it holds it). Undefined when there is no such run.
 */
export function makeEndOrphanedRun(ports: EndOrphanedRunPorts) {
  const { runs, turns, build, journal, hints } = ports;

  return async (
    key: { projectId?: string | undefined; runId: string },
    ending: ExecutionEnding,
  ): Promise<Run | undefined> => {
    // Without the project (an event whose input was left out), the run is found by id first.
    const found = key.projectId ? { projectId: key.projectId } : await runs.find(key.runId);
    const run = found && (await runs.get(found.projectId, key.runId));
    if (!run) return undefined;
    let ended = run;
    if (!TERMINAL_STATUSES.has(run.status)) {
      const { reason, hint } = describeEnding(run, ending, hints);
      if (run.buildId && (run.status === 'building' || run.status === 'pushing')) {
        await build.cancel(run.buildId).catch(() => undefined);
      }
      await journal.log(run, `✖ ${reason}`);
      const outOfSync = MAY_HAVE_COMMITTED.has(run.status)
        ? await restoreAfterFailure(ports, run, reason)
        : undefined;
      try {
        ended = await journal.change(run, {
          status: ending.status === 'ABORTED' ? 'cancelled' : 'failed',
          endStep: 'failed',
          set: { failureReason: reason, hint: outOfSync ? `${outOfSync} ${hint}` : hint },
        });
      } catch (error) {
        // Ended meanwhile by its own workflow (FailRun raced this): that ending stands.
        const now = await runs.get(run.projectId, run.id);
        if (!(error instanceof DomainError) || !now || !TERMINAL_STATUSES.has(now.status)) throw error;
        ended = now;
      }
    }
    await finishTurn(turns, ended);
    return ended;
  };
}

export type EndOrphanedRun = ReturnType<typeof makeEndOrphanedRun>;
