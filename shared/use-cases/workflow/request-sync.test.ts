import { describe, expect, it } from 'vitest';
import { FakeGitOps, FakeSync } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import { makeRequestSync } from './request-sync.ts';

function setup() {
  const w = workflowRuns();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const requestSync = makeRequestSync({ runs: w.runs, sync, journal: w.journal });
  return { ...w, gitops, sync, requestSync };
}

describe('RequestSync', () => {
  it('moves the run to syncing and asks for exactly its commit', async () => {
    const s = setup();
    const run = await s.addCommittedRun(s.gitops, s.monolith, { status: 'updating_gitops' });
    const pending = run.pendingRelease;
    const commit = run.gitopsCommit as string;
    expect(await s.requestSync(s.stateOf(run))).toBeUndefined();
    expect(s.sync.requested).toEqual([
      {
        app: { name: pending?.appName, path: pending?.gitopsPath, namespace: pending?.namespace },
        revision: commit,
      },
    ]);
    const after = await s.reload(run);
    expect(after.status).toBe('syncing');
    expect(after.steps.map((st) => `${st.name}:${st.status}`).slice(-2)).toEqual([
      'gitops:succeeded',
      'sync:running',
    ]);
    expect(s.log(run)).toEqual([
      `▶ Waiting for ${pending?.appName} to sync to ${commit.slice(0, 12)} and become healthy`,
    ]);
  });

  it('asks again on a retry without another status change', async () => {
    const s = setup();
    const run = await s.addCommittedRun(s.gitops);
    await s.requestSync(s.stateOf(run));
    await s.requestSync(s.stateOf(run));
    expect(s.sync.requested.map((r) => r.revision)).toEqual([run.gitopsCommit, run.gitopsCommit]);
    expect(await s.reload(run)).toEqual(run);
  });

  it('fails with NoCommit when nothing was committed', async () => {
    const s = setup();
    const run = await s.addRun(s.monolith, { status: 'updating_gitops' });
    expect(await failure(s.requestSync(s.stateOf(run)))).toEqual({
      name: 'NoCommit',
      message: 'Nothing was committed to sync.',
    });
    expect(s.sync.requested).toEqual([]);
    expect((await s.reload(run)).status).toBe('updating_gitops');
  });
});
