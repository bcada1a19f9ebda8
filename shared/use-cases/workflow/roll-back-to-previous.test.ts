import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import { FakeGitOps, FakeSync } from '../../testing/in-memory-deploy.ts';
import { workflowRuns } from '../../testing/workflow-runs.ts';
import type { SyncTracking } from './contract.ts';
import { makeRollBackToPrevious, readinessFix } from './roll-back-to-previous.ts';

const degraded: SyncTracking = { state: 'degraded', checks: 3, message: 'readiness probe failed' };

function setup() {
  const w = workflowRuns();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const rollBackToPrevious = makeRollBackToPrevious({
    runs: w.runs,
    turns: w.runs,
    releases: w.runs,
    gitops,
    sync,
    journal: w.journal,
    clock: w.clock,
  });
  /** A deploy whose rollout failed, holding the environment's turn. */
  const failing = async (fields: Partial<Run> = {}) => {
    const run = await w.addCommittedRun(gitops, w.monolith, fields);
    expect(await w.runs.takeTurn(run.projectId, 'production', run.id, undefined)).toBe(true);
    return run;
  };
  const filesAt = (commit: string | undefined) => gitops.commits.find((c) => c.id === commit)?.files;
  return { ...w, gitops, sync, rollBackToPrevious, failing, filesAt };
}

describe('RollBackToPrevious', () => {
  it('points a readiness failure at the setting to fix: the health check path, or the port', async () => {
    const s = setup();
    const run = await s.failing();
    const message = 'npm run start was not ready within 18 s: GET /ready on :3000 → 404.';
    await s.rollBackToPrevious(s.stateOf(run, { sync: { ...degraded, message } }));
    expect(await s.reload(run)).toMatchObject({
      status: 'failed',
      failureReason: message,
      hint: 'This was the first release: make /ready answer with a 2xx or 3xx status (it answered 404), or set the health check path to one the app serves, then deploy again.',
      hintField: 'healthCheckPath',
    });
    expect(readinessFix('nothing listens on :3000 — the app printed "listening on 5000"')).toEqual({
      text: "Make the app listen on the port in $PORT (3000), or set the project's port to the one it printed",
      field: 'port',
    });
    expect(readinessFix('readiness probe failed')).toBeUndefined();
  });

  it('fails the first release, with a hint, when there is no earlier release, and passes the turn on', async () => {
    const s = setup();
    const run = await s.failing();
    expect(await s.rollBackToPrevious(s.stateOf(run, { sync: degraded }))).toEqual({ result: 'failed' });
    const after = await s.reload(run);
    expect(after).toMatchObject({
      status: 'failed',
      failureReason: 'readiness probe failed',
      hint: 'This was the first release: fix the app (the log below shows why), then deploy again.',
    });
    expect(after.steps.map((st) => `${st.name}:${st.status}`).slice(-2)).toEqual([
      'sync:failed',
      'rollback:failed',
    ]);
    expect(s.log(run)).toEqual([
      '✖ readiness probe failed',
      'There is no earlier release to roll back to: this one was removed from GitOps.',
    ]);
    // Git says what Wharf says: no release of this environment, so its folder goes.
    expect(s.gitops.commits).toHaveLength(2);
    expect(s.gitops.commits[1]?.change.deletePaths).toEqual([after.pendingRelease?.gitopsPath]);
    expect(s.sync.requested.map((r) => r.revision)).toEqual([s.gitops.commits[1]?.id]);
    expect((await s.env()).activeRunId).toBeUndefined();
  });

  it('says the rollout did not become healthy when CheckSync gave no message', async () => {
    const s = setup();
    const run = await s.failing();
    await s.rollBackToPrevious(s.stateOf(run));
    expect((await s.reload(run)).failureReason).toBe('The rollout did not become healthy.');
  });

  it('commits the current release’s files again, syncs them and ends rolled back', async () => {
    const s = setup();
    const previous = await s.addRelease(s.gitops);
    const run = await s.failing();
    const pending = run.pendingRelease as NonNullable<Run['pendingRelease']>;
    expect(s.filesAt(run.gitopsCommit)).not.toEqual(s.filesAt(previous.gitopsCommit));

    expect(await s.rollBackToPrevious(s.stateOf(run, { sync: degraded }))).toEqual({ result: 'rolled_back' });
    const restore = s.gitops.commits.at(-1);
    expect(s.gitops.commits).toHaveLength(3);
    // The app's folder is back to release 1 (the workspace's bootstrap file stays as it was).
    const appFiles = (commit: string | undefined) =>
      [...(s.filesAt(commit) ?? [])].filter(([path]) => path.startsWith(`${previous.gitopsPath}/`));
    expect(appFiles(restore?.id)).toEqual(appFiles(previous.gitopsCommit));
    expect(restore?.change.message).toBe(
      `Roll back storefront (production) to release 1\n\nRun ${run.id} failed its rollout: readiness probe failed`,
    );
    expect(restore?.change.author).toEqual({ name: 'Wharf', email: 'wharf@users.wharf.invalid' });
    expect(s.sync.requested).toEqual([
      {
        app: { name: previous.appName, path: previous.gitopsPath, namespace: pending.namespace },
        revision: restore?.id,
      },
    ]);
    const after = await s.reload(run);
    expect(after).toMatchObject({
      status: 'rolled_back',
      failureReason: 'readiness probe failed',
      hint: 'Release 1 is live again. Fix the problem (the log below shows it), then deploy again.',
    });
    expect(after.steps.map((st) => `${st.name}:${st.status}`).slice(-2)).toEqual([
      'sync:failed',
      'rollback:succeeded',
    ]);
    expect(s.log(run)).toEqual([
      '✖ readiness probe failed',
      `↩ Rolled back to release 1 (${previous.image.reference}): ${restore?.id.slice(0, 12)}`,
    ]);
    const env = await s.env();
    expect(env.activeRunId).toBeUndefined();
    expect(env.currentReleaseId).toBe(previous.id);
  });

  it('only passes the turn on when the run has already ended', async () => {
    const s = setup();
    await s.addRelease(s.gitops);
    for (const status of ['failed', 'rolled_back'] as const) {
      const run = await s.failing({ status });
      expect(await s.rollBackToPrevious(s.stateOf(run, { sync: degraded }))).toEqual({ result: status });
      expect(await s.reload(run)).toEqual(run);
      expect((await s.env()).activeRunId).toBeUndefined();
    }
    expect(s.gitops.commits).toHaveLength(3);
    expect(s.sync.requested).toEqual([]);
  });

  it('fails the run and flags the environment out of sync, committing nothing, when the previous release’s files are gone', async () => {
    const s = setup();
    await s.addRelease(s.gitops, s.monolith, { omit: 'manifests.yaml' });
    const run = await s.failing();
    expect(await s.rollBackToPrevious(s.stateOf(run, { sync: degraded }))).toEqual({ result: 'failed' });
    expect(s.gitops.commits).toHaveLength(2);
    expect(s.sync.requested).toEqual([]);
    const after = await s.reload(run);
    expect(after.status).toBe('failed');
    expect(after.hint).toContain('out of sync');
    expect((await s.env()).outOfSync).toMatchObject({ runId: run.id });
    expect((await s.env()).outOfSync?.cause).toContain('manifests.yaml is missing');
  });
});
