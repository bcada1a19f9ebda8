import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import { FakeGitOps, FakeSync } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import { makeCheckSync, RESYNC_EVERY } from './check-sync.ts';
import type { SyncTracking } from './contract.ts';
import { appOf } from './run-context.ts';

async function setup(syncChecks = 100) {
  const w = workflowRuns();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const checkSync = makeCheckSync({ runs: w.runs, sync, gitops, journal: w.journal, limits: { syncChecks } });
  // What RequestSync did: the fake then reports the app at that revision.
  const run = await w.addCommittedRun(gitops);
  const app = appOf(run.pendingRelease as NonNullable<Run['pendingRelease']>);
  await sync.requestSync(app, run.gitopsCommit as string);
  const commit = run.gitopsCommit as string;
  /** Runs CheckSync `times` times, handing each result to the next as the state machine does. */
  const check = async (times = 1, from?: SyncTracking) => {
    let last = from;
    for (let i = 0; i < times; i++) last = await checkSync(w.stateOf(run, last ? { sync: last } : {}));
    return last as SyncTracking;
  };
  return { ...w, gitops, sync, checkSync, run, app, commit, check };
}

describe('CheckSync', () => {
  it('is synced when the app runs the commit, Synced and Healthy', async () => {
    const s = await setup();
    expect(await s.check()).toEqual({ state: 'synced', checks: 1, seen: 'at commit, Synced, Healthy' });
    expect(s.log(s.run)).toEqual(['  sync: at commit, Synced, Healthy']);
  });

  it('waits while the app at the commit is not yet Synced, or not yet Healthy', async () => {
    const s = await setup();
    s.sync.sync = 'OutOfSync';
    expect(await s.check()).toEqual({ state: 'waiting', checks: 1, seen: 'at commit, OutOfSync, Healthy' });
    s.sync.sync = 'Synced';
    s.sync.health = 'Progressing';
    expect(await s.check()).toMatchObject({ state: 'waiting', seen: 'at commit, Synced, Progressing' });
  });

  it('counts a later revision that left this release’s release.json alone as the commit', async () => {
    const s = await setup();
    await s.gitops.commit({
      message: 'another project',
      author: { name: 'Wharf', email: 'wharf@test' },
      files: [{ path: 'apps/w0other/u/x/production/release.json', content: '{}' }],
    });
    const head = (await s.gitops.head()) as string;
    expect(head).not.toBe(s.commit);
    s.sync.revisionOf = async () => head;
    expect(await s.check()).toMatchObject({ state: 'synced', seen: 'at commit, Synced, Healthy' });
  });

  it('does not count a later revision that changed this app’s release.json', async () => {
    const s = await setup();
    const path = `${s.app.path}/release.json`;
    const { commit: newer } = await s.gitops.commit({
      message: 'the next release',
      author: { name: 'Wharf', email: 'wharf@test' },
      files: [{ path, content: '{"releaseNumber":2}' }],
    });
    s.sync.revisionOf = async () => newer;
    expect(await s.check()).toEqual({
      state: 'waiting',
      checks: 1,
      seen: `at ${newer.slice(0, 12)}, Synced, Healthy`,
    });
  });

  it('waits while the app reports no revision', async () => {
    const s = await setup();
    s.sync.revisionOf = async () => undefined;
    expect(await s.check()).toMatchObject({ state: 'waiting', seen: 'at no revision, Synced, Healthy' });
  });

  it('is degraded, with the sync service’s message, when the app at the commit is Degraded', async () => {
    const s = await setup();
    s.sync.health = 'Degraded';
    expect(await s.check()).toEqual({
      state: 'degraded',
      checks: 1,
      seen: 'at commit, Synced, Degraded',
      message: 'readiness probe failed',
    });
    expect(s.log(s.run)).toEqual(['  sync: at commit, Synced, Degraded — readiness probe failed']);
  });

  it('is degraded when the app at the commit is Missing (naming it without a message) or its sync failed', async () => {
    const s = await setup();
    s.sync.health = 'Missing';
    expect(await s.check()).toMatchObject({ state: 'degraded', message: 'The app is Missing.' });
    s.sync.health = 'Progressing';
    s.sync.sync = 'OutOfSync';
    s.sync.operationFailed = true;
    s.sync.message = 'one or more objects failed to apply';
    expect(await s.check()).toMatchObject({
      state: 'degraded',
      message: 'one or more objects failed to apply',
    });
  });

  it('keeps waiting while an older revision is Degraded: only the commit’s health counts', async () => {
    const s = await setup();
    s.sync.health = 'Degraded';
    s.sync.revisionOf = async () => 'b'.repeat(40);
    expect(await s.check()).toMatchObject({
      state: 'waiting',
      seen: `at ${'b'.repeat(12)}, Synced, Degraded`,
    });
  });

  it(`requests the sync again every ${RESYNC_EVERY} checks while the app is not at the commit`, async () => {
    const s = await setup();
    s.sync.revisionOf = async () => 'b'.repeat(40);
    const before = s.sync.requested.length;
    await s.check(RESYNC_EVERY - 1);
    expect(s.sync.requested).toHaveLength(before);
    const sixth = await s.check(1, { state: 'waiting', checks: RESYNC_EVERY - 1 });
    expect(sixth).toMatchObject({ state: 'waiting', checks: RESYNC_EVERY });
    expect(s.sync.requested.slice(before)).toEqual([{ app: s.app, revision: s.commit }]);
    await s.check(RESYNC_EVERY, sixth);
    expect(s.sync.requested.slice(before)).toHaveLength(2);
  });

  it('does not request the sync again while the app at the commit is still progressing', async () => {
    const s = await setup();
    s.sync.health = 'Progressing';
    const before = s.sync.requested.length;
    await s.check(2 * RESYNC_EVERY);
    expect(s.sync.requested).toHaveLength(before);
  });

  it('is degraded after limits.syncChecks checks, saying what it last saw', async () => {
    const s = await setup(3);
    s.sync.health = 'Progressing';
    const second = await s.check(2);
    expect(second).toMatchObject({ state: 'waiting', checks: 2 });
    expect(await s.check(1, second)).toEqual({
      state: 'degraded',
      checks: 3,
      seen: 'at commit, Synced, Progressing',
      message:
        'The app did not become synced and healthy in time (last seen: at commit, Synced, Progressing).',
    });
    s.sync.message = 'Syncing to 0123abcd: GET /ready on :3000 → 404';
    expect(await s.check(1, second)).toMatchObject({
      message:
        'Syncing to 0123abcd: GET /ready on :3000 → 404. The app did not become synced and healthy in time (last seen: at commit, Synced, Progressing).',
    });
  });

  it("copies the rollout's own log into the run log as it comes, each line once", async () => {
    const s = await setup();
    s.sync.health = 'Progressing';
    s.sync.message = 'waiting';
    s.sync.logLines.push('[wharf] probing GET /ready on :3000 for up to 18 s', '[:41000] listening on 41000');
    const first = await s.check();
    expect(first).toMatchObject({ state: 'waiting', logNext: 2 });
    s.sync.logLines.push('[wharf] GET /ready on :3000 → 404');
    const second = await s.check(1, first);
    expect(second).toMatchObject({ logNext: 3 });
    await s.check(1, second);
    expect(s.sync.logAfters).toEqual([undefined, 2, 3]);
    expect(s.log(s.run)).toEqual([
      '  [wharf] probing GET /ready on :3000 for up to 18 s',
      '  [:41000] listening on 41000',
      '  sync: at commit, Synced, Progressing — waiting',
      '  [wharf] GET /ready on :3000 → 404',
    ]);
  });

  it("quotes the sync service's words when the app is Degraded", async () => {
    const s = await setup();
    s.sync.health = 'Degraded';
    s.sync.message = 'node server.js was not ready within 18 s: GET /ready on :3000 → 404';
    expect(await s.check()).toMatchObject({
      state: 'degraded',
      message: 'node server.js was not ready within 18 s: GET /ready on :3000 → 404',
    });
  });

  it('logs a sync line only when what it sees changes', async () => {
    const s = await setup();
    s.sync.health = 'Progressing';
    s.sync.message = 'rolling out';
    const waited = await s.check(3);
    expect(waited.checks).toBe(3);
    s.sync.health = 'Healthy';
    expect(await s.check(1, waited)).toMatchObject({ state: 'synced', checks: 4 });
    expect(s.log(s.run)).toEqual([
      '  sync: at commit, Synced, Progressing — rolling out',
      '  sync: at commit, Synced, Healthy — rolling out',
    ]);
  });

  it('fails with NoCommit when nothing was committed', async () => {
    const s = await setup();
    const bare = await s.addRun(s.monolith, { status: 'syncing' });
    expect(await failure(s.checkSync(s.stateOf(bare)))).toEqual({
      name: 'NoCommit',
      message: 'Nothing was committed to sync.',
    });
    expect(s.log(bare)).toEqual([]);
  });
});
