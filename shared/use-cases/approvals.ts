import type { ApprovalList, ApprovalView } from '../api.ts';
import type { Run, RunApproval } from '../deploy.ts';
import type { ApprovalRepository, RunRepository, WorkflowEngine } from '../deploy-ports.ts';
import type { Identity, Membership } from '../domain.ts';
import { conflict, forbidden, notFound, unavailable } from '../errors.ts';
import type { Clock, UserRepository, WorkspaceRepository } from '../ports.ts';
import type { ApproveRequest, RejectRequest } from '../schemas/approval.ts';
import { requireMember, requireOwner } from './access.ts';
import type { RunJournal } from './run-journal.ts';
import { WORKFLOW_ERRORS } from './workflow/contract.ts';

export interface ApprovalDeps {
  workspaces: WorkspaceRepository;
  users: UserRepository;
  runs: RunRepository;
  approvals: ApprovalRepository;
  workflow: Pick<WorkflowEngine, 'sendTaskSuccess' | 'sendTaskFailure'>;
  journal: RunJournal;
  clock: Clock;
}

/** Step Functions' answers for a token whose task is gone: the wait expired or the execution ended. */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
const isTaskGone = (error: unknown) => error instanceof Error && TASK_GONE.has(error.name);

const notWaiting = (run: Pick<Run, 'id' | 'status'>) =>
  conflict('approval.not_waiting', `Run ${run.id} is ${run.status}: it is not waiting for approval.`);

const ownersOf = async (workspaces: WorkspaceRepository, workspaceId: string): Promise<Membership[]> =>
  (await workspaces.listMembers(workspaceId)).filter((m) => m.role === 'owner');

/** Whether `userId` may decide a run `requestedBy` asked for: not their own while another owner exists. */
const mayDecide = (userId: string, requestedBy: string, owners: readonly Membership[]) =>
  requestedBy !== userId || !owners.some((o) => o.userId !== userId);

const decider = (identity: Identity) => identity.username || identity.userId;

/**
 * The run a decision is about: an owner of the workspace (403 for members), a run of that project in
 * that workspace (404), waiting for approval (409), and not the caller's own while the workspace has
 * another owner (403 `approval.self_approval`, naming who can). Then the entry is closed — once, so of
 * two clicks (or a click and the expiry) only one decides.
 */
async function claimDecision(
  deps: ApprovalDeps,
  identity: Identity,
  workspaceId: string,
  projectId: string,
  runId: string,
): Promise<{ run: Run; taskToken: string }> {
  await requireOwner(deps.workspaces, workspaceId, identity.userId);
  const run = await deps.runs.get(projectId, runId);
  if (!run || run.workspaceId !== workspaceId || run.projectId !== projectId)
    throw notFound('run.not_found', `No run ${runId} in this project.`);
  if (run.status !== 'awaiting_approval') throw notWaiting(run);
  if (run.requestedBy === identity.userId) {
    const others = (await ownersOf(deps.workspaces, workspaceId)).filter((o) => o.userId !== identity.userId);
    if (others.length > 0) {
      const names = await Promise.all(
        others.map(async (o) => (await deps.users.get(o.userId))?.username ?? o.userId),
      );
      throw forbidden(
        'approval.self_approval',
        `You requested this run, so another owner must decide it: ${names.join(', ')}.`,
      );
    }
  }
  const entry = await deps.approvals.get(workspaceId, runId);
  if (!entry || !(await deps.approvals.close(workspaceId, runId))) throw notWaiting(run);
  return { run, taskToken: entry.taskToken };
}

/**
 * `POST …/deployments/{runId}/approve`. The run goes back to `queued` before Step Functions hears of
 * it, so the StartRun that follows the callback finds it ready to take its deploy turn.
 */
export function makeApproveRun(deps: ApprovalDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    runId: string,
    body: ApproveRequest,
  ): Promise<Run> => {
    const { run, taskToken } = await claimDecision(deps, identity, workspaceId, projectId, runId);
    const decidedAt = deps.clock.now().toISOString();
    const approval: RunApproval = {
      ...(run.approval ?? { requestedAt: decidedAt, expiresAt: decidedAt }),
      state: 'approved',
      decidedBy: identity.userId,
      decidedAt,
      ...(body.reason ? { reason: body.reason } : {}),
    };
    const approved = await deps.journal.change(run, {
      status: 'queued',
      endStep: 'succeeded',
      set: { approval },
    });
    await deps.journal.log(
      run,
      `✔ Approved by ${decider(identity)}${body.reason ? `: ${body.reason}` : ''}.`,
    );
    try {
      await deps.workflow.sendTaskSuccess(taskToken, {
        decidedBy: identity.userId,
        decidedAt,
        ...(body.reason ? { reason: body.reason } : {}),
      });
    } catch (error) {
      // The wait ended first (expired, or the execution stopped): its own path cancels the run.
      if (isTaskGone(error)) {
        throw conflict('approval.expired', `Run ${run.id} stopped waiting before the approval arrived.`);
      }
      throw unavailable('workflow.unavailable', 'The deploy workflow could not be resumed.', error);
    }
    return approved;
  };
}

/**
 * `POST …/deployments/{runId}/reject`. The run ends `cancelled` with the reason here; the workflow,
 * told by SendTaskFailure (ApprovalRejected), then only leaves it as it is.
 */
export function makeRejectRun(deps: ApprovalDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    runId: string,
    body: RejectRequest,
  ): Promise<Run> => {
    const { run, taskToken } = await claimDecision(deps, identity, workspaceId, projectId, runId);
    const decidedAt = deps.clock.now().toISOString();
    const reason = `Rejected by ${decider(identity)}: ${body.reason}`;
    const approval: RunApproval = {
      ...(run.approval ?? { requestedAt: decidedAt, expiresAt: decidedAt }),
      state: 'rejected',
      decidedBy: identity.userId,
      decidedAt,
      reason: body.reason,
    };
    await deps.journal.log(run, `✖ ${reason}`);
    const rejected = await deps.journal.change(run, {
      status: 'cancelled',
      endStep: 'failed',
      set: {
        approval,
        failureReason: reason,
        hint: 'Deploy again once the change is ready for another review.',
      },
    });
    try {
      await deps.workflow.sendTaskFailure(taskToken, WORKFLOW_ERRORS.approvalRejected, reason);
    } catch (error) {
      // Already gone (expired or stopped): the run is cancelled either way.
      if (!isTaskGone(error))
        throw unavailable('workflow.unavailable', 'The deploy workflow could not be told.', error);
    }
    return rejected;
  };
}

/** `GET /workspaces/{ws}/approvals`: the runs waiting for an owner, oldest first, for any member. */
/**
 * A run whose execution ended while it waited (stopped, failed, swept after a restart) keeps its
 * entry until the entry's TTL: the list shows only runs that still wait, so nobody is asked to decide
 * something that can no longer go anywhere.
 */
export function makeListApprovals(deps: Pick<ApprovalDeps, 'workspaces' | 'approvals' | 'runs'>) {
  return async (identity: Identity, workspaceId: string): Promise<ApprovalList> => {
    const { membership } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const entries = await deps.approvals.list(workspaceId);
    const runs = await Promise.all(entries.map((p) => deps.runs.get(p.projectId, p.runId)));
    const pending = entries.filter((_, i) => runs[i]?.status === 'awaiting_approval');
    const isOwner = membership.role === 'owner';
    const owners =
      isOwner && pending.some((p) => p.requestedBy === identity.userId)
        ? await ownersOf(deps.workspaces, workspaceId)
        : [];
    const items = pending.map(
      (p): ApprovalView => ({
        ...p,
        canDecide: isOwner && mayDecide(identity.userId, p.requestedBy, owners),
      }),
    );
    return { items };
  };
}
