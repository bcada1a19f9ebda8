import { describe, expect, it } from 'vitest';
import type { Identity } from '../domain.ts';
import { InMemoryApprovals } from '../testing/in-memory-approvals.ts';
import { FakeWorkflow } from '../testing/in-memory-deploy.ts';
import { workflowRuns } from '../testing/workflow-runs.ts';
import { makeApproveRun, makeListApprovals, makeRejectRun } from './approvals.ts';
import { makeAwaitApproval } from './workflow/await-approval.ts';

const alice: Identity = { userId: 'alice', username: 'alice' };
const bob: Identity = { userId: 'bob', username: 'bob' };
const carol: Identity = { userId: 'carol', username: 'carol' };

async function setup(owners: string[] = ['alice', 'bob']) {
  const w = workflowRuns();
  const approvals = new InMemoryApprovals();
  const workflow = new FakeWorkflow();
  const now = new Date().toISOString();
  const members = [...owners.map((u) => [u, 'owner'] as const), ['carol', 'member'] as const];
  for (const [userId, role] of members) {
    w.store.members.set(`${w.workspace.id}/${userId}`, {
      workspaceId: w.workspace.id,
      userId,
      role,
      addedAt: now,
      addedBy: 'alice',
    });
    w.store.users.set(userId, {
      id: userId,
      username: userId,
      personalWorkspaceId: `wp${userId}`,
      createdAt: now,
    });
  }
  const deps = { ...w, approvals, workflow };
  const waiting = async () => {
    const run = await w.addRun();
    await makeAwaitApproval(deps)({
      state: w.stateOf(run),
      taskToken: `token-${run.id}`,
      timeoutSeconds: 3600,
    });
    return run;
  };
  return {
    ...w,
    approvals,
    workflow,
    waiting,
    approve: makeApproveRun(deps),
    reject: makeRejectRun(deps),
    list: makeListApprovals(deps),
    ws: w.workspace.id,
  };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string; kind?: string }) => [e.kind, e.code],
  );

describe('approving and rejecting runs', () => {
  it('another owner approves: the run is queued again and the waiting task resumes with who and when', async () => {
    const s = await setup();
    const run = await s.waiting();
    const approved = await s.approve(bob, s.ws, run.projectId, run.id, { reason: 'looks good' });
    expect(approved).toMatchObject({
      status: 'queued',
      approval: { state: 'approved', decidedBy: 'bob', reason: 'looks good' },
    });
    expect(approved.steps.at(-1)).toMatchObject({ name: 'approval', status: 'succeeded' });
    expect(s.workflow.taskResults).toEqual([
      {
        taskToken: `token-${run.id}`,
        output: { decidedBy: 'bob', decidedAt: expect.any(String), reason: 'looks good' },
      },
    ]);
    expect(await s.approvals.list(s.ws)).toEqual([]);
    expect(s.log(run).at(-1)).toBe('✔ Approved by bob: looks good.');
  });

  it('the requester cannot decide their own run while another owner exists, and is told who can', async () => {
    const s = await setup();
    const run = await s.waiting();
    await expect(s.approve(alice, s.ws, run.projectId, run.id, {})).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'approval.self_approval',
      message: expect.stringContaining('bob'),
    });
    expect(await code(s.reject(alice, s.ws, run.projectId, run.id, { reason: 'x' }))).toEqual([
      'forbidden',
      'approval.self_approval',
    ]);
    expect(s.workflow.taskResults).toEqual([]);
    expect((await s.reload(run)).status).toBe('awaiting_approval');
  });

  it('a sole owner may approve their own run', async () => {
    const s = await setup(['alice']);
    const run = await s.waiting();
    expect((await s.approve(alice, s.ws, run.projectId, run.id, {})).status).toBe('queued');
  });

  it('members may not decide (403); other tenants get 404', async () => {
    const s = await setup();
    const run = await s.waiting();
    expect(await code(s.approve(carol, s.ws, run.projectId, run.id, {}))).toEqual([
      'forbidden',
      'workspace.owner_required',
    ]);
    const mallory: Identity = { userId: 'mallory', username: 'mallory' };
    expect(await code(s.approve(mallory, s.ws, run.projectId, run.id, {}))).toEqual([
      'not_found',
      'workspace.not_found',
    ]);
    expect(await code(s.approve(bob, s.ws, 'pother', run.id, {}))).toEqual(['not_found', 'run.not_found']);
  });

  it('decides once: a second click, or a run not waiting, is 409 approval.not_waiting', async () => {
    const s = await setup();
    const run = await s.waiting();
    const [first, second] = await Promise.allSettled([
      s.approve(bob, s.ws, run.projectId, run.id, {}),
      s.approve(bob, s.ws, run.projectId, run.id, {}),
    ]);
    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(s.workflow.taskResults).toHaveLength(1);
    expect(await code(s.reject(bob, s.ws, run.projectId, run.id, { reason: 'late' }))).toEqual([
      'conflict',
      'approval.not_waiting',
    ]);
    const queued = await s.addRun();
    expect(await code(s.approve(bob, s.ws, queued.projectId, queued.id, {}))).toEqual([
      'conflict',
      'approval.not_waiting',
    ]);
  });

  it('rejecting cancels the run with "Rejected by <user>: <reason>" and fails the task with ApprovalRejected', async () => {
    const s = await setup();
    const run = await s.waiting();
    const rejected = await s.reject(bob, s.ws, run.projectId, run.id, { reason: 'not on a Friday' });
    expect(rejected).toMatchObject({
      status: 'cancelled',
      failureReason: 'Rejected by bob: not on a Friday',
      approval: { state: 'rejected', decidedBy: 'bob', reason: 'not on a Friday' },
    });
    expect(s.workflow.taskResults).toEqual([
      { taskToken: `token-${run.id}`, error: 'ApprovalRejected', cause: 'Rejected by bob: not on a Friday' },
    ]);
  });

  it('an approval that arrives after the wait ended is 409 approval.expired', async () => {
    const s = await setup();
    const run = await s.waiting();
    s.workflow.sendTaskSuccess = async () => {
      throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    };
    expect(await code(s.approve(bob, s.ws, run.projectId, run.id, {}))).toEqual([
      'conflict',
      'approval.expired',
    ]);
  });
});

describe('the approval list', () => {
  it('lists waiting runs oldest first for any member, with whether the caller may decide', async () => {
    const s = await setup();
    const first = await s.waiting();
    const second = await s.waiting();
    const forAlice = await s.list(alice, s.ws);
    expect(forAlice.items.map((i) => [i.runId, i.canDecide])).toEqual([
      [first.id, false],
      [second.id, false],
    ]);
    expect(JSON.stringify(forAlice)).not.toContain('token-');
    expect((await s.list(bob, s.ws)).items.every((i) => i.canDecide)).toBe(true);
    expect((await s.list(carol, s.ws)).items.some((i) => i.canDecide)).toBe(false);
    await expect(s.list({ userId: 'mallory', username: 'mallory' }, s.ws)).rejects.toMatchObject({
      code: 'workspace.not_found',
    });
  });

  it('leaves out a run that ended without a decision (its execution was stopped or failed)', async () => {
    const s = await setup();
    const stopped = await s.waiting();
    const still = await s.waiting();
    const run = (await s.runs.get(stopped.projectId, stopped.id)) as NonNullable<
      Awaited<ReturnType<typeof s.runs.get>>
    >;
    await s.journal.change(run, { status: 'failed', set: { failureReason: 'Its execution was stopped.' } });
    expect((await s.list(bob, s.ws)).items.map((i) => i.runId)).toEqual([still.id]);
  });
});
