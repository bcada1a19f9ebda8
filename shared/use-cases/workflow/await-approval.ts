import { TERMINAL_STATUSES } from '../../deploy.ts';
import type { ApprovalRepository, RunRepository } from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import type { Clock, WorkspaceRepository } from '../../ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { type ApprovalRequest, WORKFLOW_ERRORS } from './contract.ts';
import { loadRun } from './run-context.ts';

export interface AwaitApprovalPorts {
  runs: Pick<RunRepository, 'get'>;
  workspaces: Pick<WorkspaceRepository, 'get'>;
  approvals: Pick<ApprovalRepository, 'open'>;
  journal: RunJournal;
  clock: Clock;
}

/** "24 h", "90 min", "45 s": how long an approval wait lasts, in the unit it was set in. */
export function describeWait(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * AwaitApproval (`lambda:invoke.waitForTaskToken`): the run waits for an owner. It moves to
 * `awaiting_approval` (step `approval`), says until when, and the approval list gets an entry holding
 * the task token that approve/reject send back to Step Functions. A retry (a new attempt has a new
 * token) replaces the token and the expiry and keeps when the wait began.
 */
export function makeAwaitApproval({ runs, workspaces, approvals, journal, clock }: AwaitApprovalPorts) {
  return async ({ state, taskToken, timeoutSeconds }: ApprovalRequest): Promise<void> => {
    let run = await loadRun(runs, state);
    if (TERMINAL_STATUSES.has(run.status)) {
      throw new WorkflowError(
        WORKFLOW_ERRORS.runEnded,
        `Run ${run.id} ended (${run.status}) before approval.`,
      );
    }
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
    const requestedAt = run.approval?.state === 'waiting' ? run.approval.requestedAt : now.toISOString();
    const first = run.status === 'queued';
    run = await journal.change(run, {
      ...(first ? { status: 'awaiting_approval' as const, step: 'approval' as const } : {}),
      set: { approval: { state: 'waiting', requestedAt, expiresAt } },
    });
    await approvals.open(
      {
        workspaceId: run.workspaceId,
        projectId: run.projectId,
        projectName: run.projectName,
        environment: run.environment,
        runId: run.id,
        kind: run.kind,
        requestedBy: run.requestedBy,
        requestedAt,
        expiresAt,
        ...(run.promotedFrom ? { promotedFrom: run.promotedFrom } : {}),
      },
      taskToken,
    );
    if (first) {
      const workspace = await workspaces.get(run.workspaceId);
      await journal.log(
        run,
        `⏸ Waiting for an owner of ${workspace?.name ?? run.workspaceId} to approve this ${run.kind} to ${run.environment}, until ${expiresAt} (${describeWait(timeoutSeconds)}).`,
      );
    }
  };
}

export type AwaitApproval = ReturnType<typeof makeAwaitApproval>;
