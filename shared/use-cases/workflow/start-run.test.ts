import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import { FakeWorkflow } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import { makeStartRun } from './start-run.ts';

const arnOf = (runId: string) => `arn:aws:states:local:0:execution:DeployProject:${runId}`;

function setup(turnWaits = 10) {
  const w = workflowRuns();
  const workflow = new FakeWorkflow();
  const startRun = makeStartRun({
    runs: w.runs,
    turns: w.runs,
    projects: w.projects,
    workflow,
    journal: w.journal,
    limits: { turnWaits },
  });
  /** A run that holds the production turn, building, whose execution is running unless `alive` is false. */
  const active = async (alive = true, fields: Partial<Run> = {}) => {
    const run = await w.addRun(w.monolith, { status: 'building', ...fields });
    await w.runs.replace({ ...run, executionArn: arnOf(run.id) }, run);
    if (alive) workflow.running.add(run.id);
    expect(await w.runs.takeTurn(run.projectId, 'production', run.id, undefined)).toBe(true);
    return run;
  };
  return { ...w, workflow, startRun, active };
}

describe('StartRun', () => {
  it('takes a free turn and starts building', async () => {
    const s = setup();
    const run = await s.addRun();
    expect(await s.startRun(s.stateOf(run))).toEqual({ result: 'go', waits: 1, needsBuild: true });
    const after = await s.reload(run);
    expect(after.status).toBe('building');
    expect(after.steps.map((st) => `${st.name}:${st.status}`)).toEqual(['queue:succeeded', 'build:running']);
    expect((await s.env()).activeRunId).toBe(run.id);
  });

  it('goes straight to the GitOps commit for a database and for a rollback: there is nothing to build', async () => {
    const s = setup();
    const db = await s.addRun(s.database);
    expect(await s.startRun(s.stateOf(db))).toEqual({ result: 'go', waits: 1, needsBuild: false });
    expect(await s.reload(db)).toMatchObject({ status: 'updating_gitops' });
    expect((await s.reload(db)).steps.at(-1)).toMatchObject({ name: 'gitops', status: 'running' });

    const rollback = await s.addRun(s.microservices, { kind: 'rollback', targetReleaseId: 'l1' });
    expect(await s.startRun(s.stateOf(rollback))).toMatchObject({ result: 'go', needsBuild: false });
    expect(await s.reload(rollback)).toMatchObject({ status: 'updating_gitops' });
  });

  it('goes straight to the GitOps commit for a promotion: the source release’s image is deployed, never rebuilt', async () => {
    const s = setup();
    const promote = await s.addRun(s.monolith, { kind: 'promote', targetReleaseId: 'l-staging-1' });
    expect(await s.startRun(s.stateOf(promote))).toEqual({ result: 'go', waits: 1, needsBuild: false });
    expect(await s.reload(promote)).toMatchObject({ status: 'updating_gitops' });
    expect((await s.reload(promote)).steps.map((st) => `${st.name}:${st.status}`)).toEqual([
      'queue:succeeded',
      'gitops:running',
    ]);
  });

  it('goes again without another status change when retried after taking the turn', async () => {
    const s = setup();
    const run = await s.addRun();
    const first = await s.startRun(s.stateOf(run));
    const taken = await s.reload(run);
    expect(await s.startRun(s.stateOf(run, { turn: first }))).toEqual({
      result: 'go',
      waits: 2,
      needsBuild: true,
    });
    expect(await s.reload(run)).toEqual(taken);
  });

  it('waits behind a running run, queueing itself and saying so once', async () => {
    const s = setup();
    const a = await s.active();
    const b = await s.addRun();
    const first = await s.startRun(s.stateOf(b));
    expect(first).toEqual({ result: 'wait', waits: 1, needsBuild: true });
    expect(await s.env()).toMatchObject({ activeRunId: a.id, queuedRunId: b.id });
    const waiting = `Waiting for run ${a.id} to finish: one deploy per environment at a time.`;
    expect(s.log(b)).toEqual([waiting]);

    expect(await s.startRun(s.stateOf(b, { turn: first }))).toMatchObject({ result: 'wait', waits: 2 });
    expect(s.log(b)).toEqual([waiting]);
    expect(await s.reload(b)).toMatchObject({ status: 'queued' });
  });

  it('counts a run whose execution has not been recorded yet as running', async () => {
    const s = setup();
    const a = await s.addRun(s.monolith, { status: 'building' });
    await s.runs.takeTurn(a.projectId, 'production', a.id, undefined);
    const b = await s.addRun();
    expect(await s.startRun(s.stateOf(b))).toMatchObject({ result: 'wait' });
    expect(await s.reload(a)).toMatchObject({ status: 'building' });
  });

  it('takes the turn once the active run has released it', async () => {
    const s = setup();
    const a = await s.active();
    const b = await s.addRun();
    const first = await s.startRun(s.stateOf(b));
    await s.runs.releaseTurn(a.projectId, 'production', a.id);
    expect(await s.startRun(s.stateOf(b, { turn: first }))).toEqual({
      result: 'go',
      waits: 2,
      needsBuild: true,
    });
    const env = await s.env();
    expect(env.activeRunId).toBe(b.id);
    expect(env.queuedRunId).toBeUndefined();
    expect(await s.reload(b)).toMatchObject({ status: 'building' });
  });

  it('supersedes an older queued run when it queues itself', async () => {
    const s = setup();
    const a = await s.active();
    const older = await s.addRun();
    await s.startRun(s.stateOf(older));
    const newer = await s.addRun();
    expect(await s.startRun(s.stateOf(newer))).toMatchObject({ result: 'wait' });
    expect((await s.env()).queuedRunId).toBe(newer.id);
    expect(await s.reload(older)).toMatchObject({
      status: 'superseded',
      failureReason: `Superseded by run ${newer.id}.`,
    });
    expect(s.log(older)).toContain(`Superseded by the newer deploy ${newer.id}, which will run instead.`);
    expect(s.log(newer)).toEqual([
      `Waiting for run ${a.id} to finish: one deploy per environment at a time.`,
    ]);
    // The older execution, on its next round, ends.
    expect(
      await s.startRun(s.stateOf(older, { turn: { result: 'wait', waits: 1, needsBuild: true } })),
    ).toEqual({ result: 'superseded', waits: 2, needsBuild: true });
  });

  it('steps aside for a newer queued run', async () => {
    const s = setup();
    await s.active();
    const older = await s.addRun();
    const newer = await s.addRun();
    await s.runs.queue(newer.projectId, 'production', newer.id, undefined);
    expect(await s.startRun(s.stateOf(older))).toEqual({ result: 'superseded', waits: 1, needsBuild: true });
    expect(await s.reload(older)).toMatchObject({
      status: 'superseded',
      failureReason: `Superseded by run ${newer.id}.`,
    });
    expect((await s.env()).queuedRunId).toBe(newer.id);
    expect(await s.reload(newer)).toMatchObject({ status: 'queued' });
  });

  it('ends a cancelled run without touching the turn', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, { status: 'cancelled' });
    expect(await s.startRun(s.stateOf(run))).toEqual({ result: 'superseded', waits: 1, needsBuild: true });
    expect((await s.env()).activeRunId).toBeUndefined();
    expect(s.log(run)).toEqual([]);
  });

  it('takes over a turn whose active run’s execution is no longer running, failing that run', async () => {
    const s = setup();
    const dead = await s.active(false);
    const run = await s.addRun();
    expect(await s.startRun(s.stateOf(run))).toMatchObject({ result: 'go', waits: 1 });
    expect((await s.env()).activeRunId).toBe(run.id);
    expect(await s.reload(run)).toMatchObject({ status: 'building' });
    expect(await s.reload(dead)).toMatchObject({
      status: 'failed',
      failureReason: 'Its workflow execution ended without finishing the run.',
    });
  });

  it('takes over a turn left behind by a finished run, leaving that run as it ended', async () => {
    const s = setup();
    const ended = await s.active(true, { status: 'deployed' });
    const run = await s.addRun();
    expect(await s.startRun(s.stateOf(run))).toMatchObject({ result: 'go' });
    expect((await s.env()).activeRunId).toBe(run.id);
    const after = await s.reload(ended);
    expect(after.status).toBe('deployed');
    expect(after.failureReason).toBeUndefined();
  });

  // The turn passes over a queued run when a newer one takes it first (the queued run was between
  // rounds): the newer deploy must supersede it, not let it deploy older code afterwards.
  it('supersedes the older queued run when a newer run takes the freed turn first', async () => {
    const s = setup();
    const a = await s.active();
    const older = await s.addRun();
    const waited = await s.startRun(s.stateOf(older));
    await s.runs.releaseTurn(a.projectId, 'production', a.id);
    const newer = await s.addRun();
    expect(await s.startRun(s.stateOf(newer))).toMatchObject({ result: 'go' });
    expect(await s.startRun(s.stateOf(older, { turn: waited }))).toMatchObject({ result: 'superseded' });
    expect(await s.reload(older)).toMatchObject({
      status: 'superseded',
      failureReason: `Superseded by run ${newer.id}.`,
    });
    expect((await s.env()).queuedRunId).toBeUndefined();
  });

  it('supersedes the older queued run when a newer run takes over a dead run’s turn first', async () => {
    const s = setup();
    await s.active(false);
    const older = await s.addRun();
    await s.runs.queue(older.projectId, 'production', older.id, undefined);
    const newer = await s.addRun();
    expect(await s.startRun(s.stateOf(newer))).toMatchObject({ result: 'go' });
    expect(
      await s.startRun(s.stateOf(older, { turn: { result: 'wait', waits: 1, needsBuild: true } })),
    ).toMatchObject({
      result: 'superseded',
    });
    expect(await s.reload(older)).toMatchObject({ status: 'superseded' });
  });

  // A run is failed before its execution begins when starting the execution seemed to fail
  // (deployments.startRun), though Step Functions may have started it anyway.
  it('ends a run that already failed instead of starting it', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, {
      status: 'failed',
      failureReason: 'The deploy workflow could not be started.',
    });
    expect(await s.startRun(s.stateOf(run))).toEqual({ result: 'superseded', waits: 1, needsBuild: true });
    expect(await s.reload(run)).toEqual(run);
    expect((await s.env()).activeRunId).toBeUndefined();
  });

  it('gives up with TurnTimedOut after limits.turnWaits rounds', async () => {
    const s = setup(2);
    const a = await s.active();
    const run = await s.addRun();
    expect(
      await s.startRun(s.stateOf(run, { turn: { result: 'wait', waits: 1, needsBuild: true } })),
    ).toMatchObject({ result: 'wait', waits: 2 });
    expect(
      await failure(s.startRun(s.stateOf(run, { turn: { result: 'wait', waits: 2, needsBuild: true } }))),
    ).toEqual({ name: 'TurnTimedOut', message: `Run ${a.id} did not finish in time.` });
  });

  it('fails with ProjectGone when the project was deleted, and RunNotFound for an unknown run', async () => {
    const s = setup();
    const run = await s.addRun();
    await s.projects.delete(s.monolith, '2026-11-22T11:00:00.000Z', []);
    expect(await failure(s.startRun(s.stateOf(run)))).toMatchObject({ name: 'ProjectGone' });
    expect(await failure(s.startRun(s.stateOf({ ...run, id: 'r-missing' })))).toMatchObject({
      name: 'RunNotFound',
    });
    expect((await s.env()).activeRunId).toBeUndefined();
  });
});
