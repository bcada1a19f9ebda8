import { describe, expect, it } from 'vitest';
import { InMemoryApprovals } from '../../testing/in-memory-approvals.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import { makeAwaitApproval } from './await-approval.ts';
import { makeEndUnapprovedRun } from './end-unapproved-run.ts';

function setup() {
  const w = workflowRuns();
  const approvals = new InMemoryApprovals();
  const awaitApproval = makeAwaitApproval({ ...w, approvals });
  const endUnapprovedRun = makeEndUnapprovedRun({ ...w, approvals });
  return { ...w, approvals, awaitApproval, endUnapprovedRun };
}

describe('AwaitApproval', () => {
  it('moves the run to awaiting_approval, lists it with its token and says until when', async () => {
    const s = setup();
    const run = await s.addRun();
    await s.awaitApproval({ state: s.stateOf(run), taskToken: 'tok-1', timeoutSeconds: 86_400 });
    const after = await s.reload(run);
    expect(after.status).toBe('awaiting_approval');
    expect(after.steps.at(-1)).toMatchObject({ name: 'approval', status: 'running' });
    expect(after.approval).toMatchObject({ state: 'waiting' });
    const { requestedAt, expiresAt } = after.approval ?? { requestedAt: '', expiresAt: '' };
    expect(Date.parse(expiresAt) - Date.parse(requestedAt)).toBe(86_400_000);
    expect(await s.approvals.get(run.workspaceId, run.id)).toMatchObject({
      taskToken: 'tok-1',
      runId: run.id,
      projectName: run.projectName,
      requestedBy: 'alice',
      expiresAt,
    });
    expect(s.log(run)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^⏸ Waiting for an owner of payments to approve this deploy to production, until ${expiresAt} \\(24 h\\)`,
        ),
      ),
    ]);
  });

  it('is idempotent: a retry with a new token replaces the token and logs nothing more', async () => {
    const s = setup();
    const run = await s.addRun();
    await s.awaitApproval({ state: s.stateOf(run), taskToken: 'tok-1', timeoutSeconds: 60 });
    const first = await s.reload(run);
    await s.awaitApproval({ state: s.stateOf(run), taskToken: 'tok-2', timeoutSeconds: 60 });
    const second = await s.reload(run);
    expect(second.status).toBe('awaiting_approval');
    expect(second.approval?.requestedAt).toBe(first.approval?.requestedAt);
    expect(second.steps).toHaveLength(first.steps.length);
    expect((await s.approvals.get(run.workspaceId, run.id))?.taskToken).toBe('tok-2');
    expect(await s.approvals.list(run.workspaceId)).toHaveLength(1);
    expect(s.log(run)).toHaveLength(1);
  });

  it('refuses a run that already ended (RunEnded), so the execution does not wait for nothing', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, { status: 'superseded' });
    expect(
      await failure(s.awaitApproval({ state: s.stateOf(run), taskToken: 't', timeoutSeconds: 60 })),
    ).toMatchObject({
      name: 'RunEnded',
    });
    expect(await s.approvals.list(run.workspaceId)).toEqual([]);
  });
});

describe('EndUnapprovedRun', () => {
  it('cancels an expired run with "Not approved within …" and closes its entry', async () => {
    const s = setup();
    const run = await s.addRun();
    await s.awaitApproval({ state: s.stateOf(run), taskToken: 't', timeoutSeconds: 86_400 });
    await s.endUnapprovedRun(s.stateOf(run, { error: { Error: 'States.Timeout', Cause: '' } }));
    const after = await s.reload(run);
    expect(after).toMatchObject({
      status: 'cancelled',
      failureReason: 'Not approved within 24 h.',
      approval: { state: 'expired' },
    });
    expect(after.steps.at(-1)).toMatchObject({ name: 'approval', status: 'failed' });
    expect(await s.approvals.list(run.workspaceId)).toEqual([]);
    expect(s.log(run).at(-1)).toBe('✖ Not approved within 24 h.');
  });

  it('cancels a rejected run with the cause SendTaskFailure gave', async () => {
    const s = setup();
    const run = await s.addRun();
    await s.awaitApproval({ state: s.stateOf(run), taskToken: 't', timeoutSeconds: 90 });
    await s.endUnapprovedRun(
      s.stateOf(run, { error: { Error: 'ApprovalRejected', Cause: 'Rejected by bob: not on a Friday' } }),
    );
    expect(await s.reload(run)).toMatchObject({
      status: 'cancelled',
      failureReason: 'Rejected by bob: not on a Friday',
      approval: { state: 'rejected' },
    });
  });

  it('leaves a run the reject use case already cancelled as it is', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, { status: 'cancelled', failureReason: 'Rejected by bob: no' });
    const before = await s.reload(run);
    await s.endUnapprovedRun(s.stateOf(run, { error: { Error: 'ApprovalRejected', Cause: 'x' } }));
    expect(await s.reload(run)).toEqual(before);
  });
});
