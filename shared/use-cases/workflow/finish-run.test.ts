import { describe, expect, it } from 'vitest';
import type { Project } from '../../domain.ts';
import { FakeGitOps } from '../../testing/in-memory-deploy.ts';
import { workflowRuns } from '../../testing/workflow-runs.ts';
import { makeFinishRun } from './finish-run.ts';

function setup() {
  const w = workflowRuns();
  const gitops = new FakeGitOps();
  const finishRun = makeFinishRun({ runs: w.runs, turns: w.runs, journal: w.journal });
  /** A synced run that holds the environment's turn. */
  const synced = async (project: Project = w.monolith) => {
    const run = await w.addCommittedRun(gitops, project);
    expect(await w.runs.takeTurn(run.projectId, 'production', run.id, undefined)).toBe(true);
    return run;
  };
  return { ...w, gitops, finishRun, synced };
}

describe('FinishRun', () => {
  it('ends the run deployed, logs the release and its URL, and passes the turn on', async () => {
    const s = setup();
    const run = await s.synced();
    const url = run.pendingRelease?.liveUrl as string;
    expect(url).toMatch(/^https:\/\//);
    expect(await s.finishRun(s.stateOf(run))).toBeUndefined();
    const after = await s.reload(run);
    expect(after.status).toBe('deployed');
    expect(after.finishedAt).toEqual(expect.any(String));
    expect(after.steps.at(-1)).toMatchObject({ name: 'sync', status: 'succeeded' });
    expect(s.log(run)).toEqual([`✔ Deployed release 1: ${url}`]);
    expect((await s.env()).activeRunId).toBeUndefined();
  });

  it('logs no URL for an app that has none', async () => {
    const s = setup();
    const run = await s.synced(s.database);
    expect(run.pendingRelease?.liveUrl).toBeUndefined();
    await s.finishRun(s.stateOf(run));
    expect(s.log(run)).toEqual(['✔ Deployed release 1']);
  });

  it('is idempotent: a retry changes and logs nothing', async () => {
    const s = setup();
    const run = await s.synced();
    await s.finishRun(s.stateOf(run));
    const done = await s.reload(run);
    await s.finishRun(s.stateOf(run));
    expect(await s.reload(run)).toEqual(done);
    expect(s.log(run)).toHaveLength(1);
    expect((await s.env()).activeRunId).toBeUndefined();
  });

  it('leaves a turn another run holds alone', async () => {
    const s = setup();
    const run = await s.addCommittedRun(s.gitops);
    const other = await s.addRun(s.monolith, { status: 'building' });
    await s.runs.takeTurn(other.projectId, 'production', other.id, undefined);
    await s.finishRun(s.stateOf(run));
    expect((await s.reload(run)).status).toBe('deployed');
    expect((await s.env()).activeRunId).toBe(other.id);
  });
});
