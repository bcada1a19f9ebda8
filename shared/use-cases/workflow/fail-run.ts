import { type Run, type RunStatus, TERMINAL_STATUSES } from '../../deploy.ts';
import type { BuildService, DeployTurnRepository, RunRepository } from '../../deploy-ports.ts';
import { TRANSIENT_ERROR } from '../../errors.ts';
import { type CaughtError, type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { type RestorePorts, restoreDesiredState } from './restore-desired-state.ts';
import { finishTurn, loadRun } from './run-context.ts';

/**
 * What to do: the words, and — when the fix is a project setting — the API field path of it
 * (`repository.url`), so the UI links to that field of the project's edit page.
 */
export type FailureHint = string | { text: string; field: string };

/** Error name → what the user (or an operator) should do. Adapters add their systems' own. */
export type FailureHints = Readonly<Record<string, FailureHint>>;

/** What to do after the workflow's own errors; the delivery adapters export hints for theirs. */
export const WORKFLOW_HINTS: FailureHints = {
  [WORKFLOW_ERRORS.buildFailed]:
    'Your build command failed: fix the error quoted above (the build log below shows it in context), commit, and deploy again.',
  [WORKFLOW_ERRORS.buildSourceUnreachable]: {
    text: 'Check the repository URL and that Wharf can reach it (a private repository needs access granted), then deploy again.',
    field: 'repository.url',
  },
  [WORKFLOW_ERRORS.buildBranchNotFound]: {
    text: 'Check the branch name: the repository has no branch by that name. Fix it, then deploy again.',
    field: 'repository.branch',
  },
  [WORKFLOW_ERRORS.buildPlatformFailed]:
    'Not your code: the build platform failed (see the reason). Deploy again; if it repeats, tell the operator.',
  [WORKFLOW_ERRORS.buildCancelled]:
    'The build was stopped before it finished. Deploy again when you are ready.',
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
): { reason: string; hint: string; hintField?: string } {
  const name = error?.Error ?? 'Error';
  let message = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // plain-text cause
  }
  const hint = hints[name] ?? FALLBACK_HINT;
  return {
    reason: message || name,
    ...(typeof hint === 'string' ? { hint } : { hint: hint.text, hintField: hint.field }),
  };
}

export interface FailRunPorts extends RestorePorts {
  runs: RunRepository;
  turns: RestorePorts['turns'] & Pick<DeployTurnRepository, 'releaseTurn'>;
  build: Pick<BuildService, 'cancel'>;
  hints: FailureHints;
}

/** In these, the run may have written its release to Git (CommitDesiredState ran or was running). */
export const MAY_HAVE_COMMITTED: ReadonlySet<RunStatus> = new Set(['updating_gitops', 'syncing']);

/**
 * Puts Git back to the recorded release after `run` failed past its commit, and says so in the run's
 * log; returns the hint to show when even that failed (the environment is then flagged out of sync).
 */
export async function restoreAfterFailure(
  ports: RestorePorts,
  run: Run,
  reason: string,
): Promise<string | undefined> {
  const { journal } = ports;
  const restored = await restoreDesiredState(ports, run, {
    title: (previous) =>
      previous
        ? `Restore ${run.projectName} (${run.environment}) to release ${previous.number}`
        : `Remove ${run.projectName} (${run.environment}): its first release failed`,
    why: `failed after its commit: ${reason}`,
  });
  if (restored.outcome === 'restored') {
    await journal.log(
      run,
      `↩ Restored release ${restored.release.number} in GitOps: ${restored.commit.slice(0, 12)}`,
    );
  } else if (restored.outcome === 'removed') {
    await journal.log(run, `↩ Removed this first release from GitOps: ${restored.commit.slice(0, 12)}`);
  } else if (restored.outcome === 'out_of_sync') {
    await journal.log(run, `✖ ${restored.cause}`);
    return "The environment is out of sync: Git still names this run's release. The next deploy or rollback puts it right.";
  }
  return undefined;
}

/**
 * FailRun: every failure path ends here; the run ends failed with the reason, the turn passes on. A
 * run that failed after its GitOps commit first puts Git back to the recorded release, so what runs
 * is what Wharf shows as live (or the environment is flagged out of sync with the cause).
 */
export function makeFailRun(ports: FailRunPorts) {
  const { runs, turns, build, journal, hints } = ports;
  const failRun: DeployTaskFn<'FailRun'> = async (state) => {
    const run = await loadRun(runs, state);
    if (!TERMINAL_STATUSES.has(run.status)) {
      const { reason, hint, hintField } = reasonFrom(state.error, hints);
      const errorName = state.error?.Error;
      // A build that could not be polled may be healthy: it is never stopped for that.
      const buildRunning = run.buildId && (run.status === 'building' || run.status === 'pushing');
      if (buildRunning && errorName !== TRANSIENT_ERROR && errorName !== WORKFLOW_ERRORS.buildCancelled) {
        await build.cancel(run.buildId as string).catch(() => undefined);
      }
      await journal.log(run, `✖ ${reason}`);
      const outOfSync = MAY_HAVE_COMMITTED.has(run.status)
        ? await restoreAfterFailure(ports, run, reason)
        : undefined;
      await journal.change(run, {
        status: errorName === WORKFLOW_ERRORS.buildCancelled ? 'cancelled' : 'failed',
        endStep: 'failed',
        set: {
          failureReason: reason,
          hint: outOfSync ? `${outOfSync} ${hint}` : hint,
          ...(hintField ? { hintField } : {}),
        },
      });
    }
    await finishTurn(turns, run);
    return undefined;
  };
  return failRun;
}
