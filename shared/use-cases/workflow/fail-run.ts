import { TERMINAL_STATUSES } from '../../deploy.ts';
import type { BuildService, DeployTurnRepository, RunRepository } from '../../deploy-ports.ts';
import { TRANSIENT_ERROR } from '../../errors.ts';
import type { RunJournal } from '../run-journal.ts';
import { type CaughtError, type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { finishTurn, loadRun } from './run-context.ts';

/** Error name → what the user (or an operator) should do. Adapters add their systems' own. */
export type FailureHints = Readonly<Record<string, string>>;

/** What to do after the workflow's own errors; the delivery adapters export hints for theirs. */
export const WORKFLOW_HINTS: FailureHints = {
  [WORKFLOW_ERRORS.buildFailed]: 'Fix the build (the log shows the failing command) and deploy again.',
  [WORKFLOW_ERRORS.buildTimedOut]:
    'The build took longer than allowed. Make it faster or ask an operator to raise the limit.',
  [WORKFLOW_ERRORS.turnTimedOut]:
    'An earlier run of this environment never finished. Check it, then deploy again.',
  [WORKFLOW_ERRORS.projectGone]: 'The project was deleted while this run was in progress.',
  'States.Timeout':
    'A step took too long. Deploy again; if it keeps happening, check the workflow execution.',
  [TRANSIENT_ERROR]:
    'A delivery system stayed unavailable through every retry. Deploy again in a few minutes.',
};

const FALLBACK_HINT = 'Check the log; if the cause is not clear, open the workflow execution.';

/** Turns a Step Functions error (Lambda error JSON in Cause, or plain text) into a reason a user reads. */
export function reasonFrom(
  error: CaughtError | undefined,
  hints: FailureHints,
): { reason: string; hint: string } {
  const name = error?.Error ?? 'Error';
  let message = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // plain-text cause
  }
  return { reason: message || name, hint: hints[name] ?? FALLBACK_HINT };
}

export interface FailRunPorts {
  runs: RunRepository;
  turns: Pick<DeployTurnRepository, 'releaseTurn'>;
  build: Pick<BuildService, 'cancel'>;
  journal: RunJournal;
  hints: FailureHints;
}

/** FailRun: every failure path ends here; the run ends failed with the reason, the turn passes on. */
export function makeFailRun({ runs, turns, build, journal, hints }: FailRunPorts) {
  const failRun: DeployTaskFn<'FailRun'> = async (state) => {
    const run = await loadRun(runs, state);
    if (!TERMINAL_STATUSES.has(run.status)) {
      const { reason, hint } = reasonFrom(state.error, hints);
      if (run.buildId && (run.status === 'building' || run.status === 'pushing')) {
        await build.cancel(run.buildId).catch(() => undefined);
      }
      await journal.log(run, `✖ ${reason}`);
      await journal.change(run, {
        status: 'failed',
        endStep: 'failed',
        set: { failureReason: reason, hint },
      });
    }
    await finishTurn(turns, run);
    return undefined;
  };
  return failRun;
}
