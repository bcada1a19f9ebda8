import { type Run, type RunCancellation, type RunStatus, TERMINAL_STATUSES } from '../deploy.ts';
import type {
  ApprovalRepository,
  DeployTurnRepository,
  RunRepository,
  WorkflowEngine,
} from '../deploy-ports.ts';
import type { Identity } from '../domain.ts';
import { conflict, DomainError, notFound, unavailable } from '../errors.ts';
import type { Clock, WorkspaceRepository } from '../ports.ts';
import type { CancelRequest } from '../schemas/cancel.ts';
import { requireMember } from './access.ts';
import type { RunJournal } from './run-journal.ts';

export interface CancelRunDeps {
  workspaces: WorkspaceRepository;
  runs: Pick<RunRepository, 'get'>;
  turns: Pick<DeployTurnRepository, 'releaseTurn'>;
  approvals: Pick<ApprovalRepository, 'close'>;
  workflow: Pick<WorkflowEngine, 'stop'>;
  journal: RunJournal;
  clock: Clock;
}

/** The error a cancelled execution stops with: the console and the execution-status rule read it. */
export const CANCELLED_ERROR = 'Wharf.Cancelled';

/** Runs that have not started work yet: nothing was built or committed, so they end here at once. */
const NOT_STARTED: ReadonlySet<RunStatus> = new Set(['queued', 'awaiting_approval']);

/** The run's failure reason after a cancel, naming who (as runs name who requested them) and why. */
export const cancelledReason = (cancellation: RunCancellation) =>
  `Cancelled by ${cancellation.by}${cancellation.reason ? `: ${cancellation.reason}` : '.'}`;

/**
 * `POST …/deployments/{runId}/cancel`, for any member. A run still queued or waiting for approval ends
 * `cancelled` here (its queue slot and approval entry let go, its execution stopped). A run at work
 * gets its cancellation recorded first, then its execution is stopped: the ABORTED execution goes
 * through the execution-status rule (end-orphaned-run), which stops the build, puts Git back to the
 * live release when the run had committed, ends the run `cancelled` and passes the turn on — the same
 * path as any stopped execution, so there is one way a run is undone. A finished run: 409.
 */
export function makeCancelRun(deps: CancelRunDeps) {
  const { runs, journal, clock } = deps;
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    runId: string,
    body: CancelRequest,
  ): Promise<Run> => {
    await requireMember(deps.workspaces, workspaceId, identity.userId);
    const run = await runs.get(projectId, runId);
    if (!run || run.workspaceId !== workspaceId || run.projectId !== projectId)
      throw notFound('run.not_found', `No run ${runId} in this project.`);
    const finished = (status: RunStatus) =>
      conflict('run.finished', `Run ${run.id} has already ended (${status}): there is nothing to cancel.`);
    if (TERMINAL_STATUSES.has(run.status)) throw finished(run.status);

    // A second click while the first stop is under way records nothing new but asks again.
    const cancellation: RunCancellation = run.cancellation ?? {
      by: identity.userId,
      at: clock.now().toISOString(),
      ...(body.reason ? { reason: body.reason } : {}),
    };
    const reason = cancelledReason(cancellation);
    let cancelled = run;
    try {
      if (!run.cancellation && NOT_STARTED.has(run.status)) {
        await journal.log(run, `✖ ${reason}`);
        cancelled = await journal.change(run, {
          status: 'cancelled',
          endStep: 'failed',
          set: { cancellation, failureReason: reason, hint: 'Deploy again when you are ready.' },
        });
        await deps.approvals.close(run.workspaceId, run.id);
        // Freed if it took the turn in the instant before this (the turn is only released by its holder).
        await deps.turns.releaseTurn(run.projectId, run.environment, run.id);
      } else if (!run.cancellation) {
        await journal.log(run, `✖ ${reason} Stopping the run…`);
        cancelled = await journal.change(run, { set: { cancellation } });
      }
    } catch (error) {
      // It ended on its own meanwhile (deployed, failed): that ending stands.
      const now = await runs.get(run.projectId, run.id);
      if (error instanceof DomainError && now && TERMINAL_STATUSES.has(now.status))
        throw finished(now.status);
      throw error;
    }
    if (run.executionArn) {
      try {
        await deps.workflow.stop(
          run.executionArn,
          CANCELLED_ERROR,
          `${reason} (run ${run.id})`.slice(0, 32_768),
        );
      } catch (error) {
        throw unavailable(
          'workflow.unavailable',
          'The deploy workflow could not be stopped now; try Cancel again in a minute.',
          error,
        );
      }
    }
    return cancelled;
  };
}
