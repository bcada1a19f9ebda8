import { type RunApproval, TERMINAL_STATUSES } from '../../deploy.ts';
import type { ApprovalRepository, RunRepository } from '../../deploy-ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { describeWait } from './await-approval.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { reasonFrom } from './fail-run.ts';
import { loadRun } from './run-context.ts';

export interface EndUnapprovedRunPorts {
  runs: Pick<RunRepository, 'get'>;
  approvals: Pick<ApprovalRepository, 'close'>;
  journal: RunJournal;
}

/**
 * EndUnapprovedRun: AwaitApproval failed with ApprovalRejected (an owner said no; the cause says who
 * and why) or States.Timeout (nobody decided in time). The run ends `cancelled` with that reason and
 * leaves the approval list. It never held a deploy turn, so there is none to pass on. A run the
 * reject use case already cancelled is left as it is.
 */
export function makeEndUnapprovedRun({ runs, approvals, journal }: EndUnapprovedRunPorts) {
  const endUnapprovedRun: DeployTaskFn<'EndUnapprovedRun'> = async (state) => {
    const run = await loadRun(runs, state);
    await approvals.close(run.workspaceId, run.id);
    if (TERMINAL_STATUSES.has(run.status)) return undefined;
    const rejected = state.error?.Error === WORKFLOW_ERRORS.approvalRejected;
    const waited = run.approval
      ? Math.round((Date.parse(run.approval.expiresAt) - Date.parse(run.approval.requestedAt)) / 1000)
      : undefined;
    const reason = rejected
      ? reasonFrom(state.error, {}).reason
      : `Not approved within ${waited ? describeWait(waited) : 'the approval time'}.`;
    const approval: RunApproval | undefined = run.approval && {
      ...run.approval,
      state: rejected ? 'rejected' : 'expired',
    };
    await journal.log(run, `✖ ${reason}`);
    await journal.change(run, {
      status: 'cancelled',
      endStep: 'failed',
      set: {
        failureReason: reason,
        hint: rejected
          ? 'Deploy again once the change is ready for another review.'
          : 'Deploy again and ask an owner of the workspace to approve it.',
        ...(approval ? { approval } : {}),
      },
    });
    return undefined;
  };
  return endUnapprovedRun;
}
