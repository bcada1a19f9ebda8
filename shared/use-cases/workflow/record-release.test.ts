import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import type { GitOpsRepository } from '../../deploy-ports.ts';
import { fixedClock } from '../../testing/in-memory.ts';
import { FakeGitOps } from '../../testing/in-memory-deploy.ts';
import { failure, workflowRuns } from '../../testing/workflow-runs.ts';
import { makeRecordRelease } from './record-release.ts';

const at = '2026-12-01T08:30:00.000Z';

function setup(links: GitOpsRepository['links'] = () => ({})) {
  const w = workflowRuns();
  const gitops = new FakeGitOps();
  const recordRelease = makeRecordRelease({
    runs: w.runs,
    releases: w.runs,
    turns: w.runs,
    gitops: { links },
    journal: w.journal,
    clock: fixedClock(at),
  });
  return { ...w, gitops, recordRelease };
}

describe('RecordRelease', () => {
  it('records the pending release as the environment’s current one, without link fields it lacks', async () => {
    const s = setup();
    const run = await s.addCommittedRun(s.gitops);
    const pending = run.pendingRelease as NonNullable<Run['pendingRelease']>;
    expect(await s.recordRelease(s.stateOf(run))).toEqual({ releaseId: pending.id, number: 1 });
    const release = await s.runs.getRelease(run.projectId, pending.id);
    expect(release).toEqual({
      id: pending.id,
      number: 1,
      workspaceId: run.workspaceId,
      projectId: run.projectId,
      environment: 'production',
      runId: run.id,
      kind: 'deploy',
      rollbackOf: undefined,
      image: run.image,
      images: undefined,
      sourceCommit: run.sourceCommit,
      // No message or author known for this run: the SHA alone.
      commit: { sha: run.sourceCommit },
      values: pending.values,
      envNames: pending.envNames,
      gitopsCommit: run.gitopsCommit,
      gitopsPath: pending.gitopsPath,
      appName: pending.appName,
      liveUrl: pending.liveUrl,
      createdBy: 'alice',
      createdAt: at,
    });
    expect(release).not.toHaveProperty('gitopsCommitUrl');
    expect(release).not.toHaveProperty('gitopsDiffUrl');
    expect(await s.env()).toMatchObject({ currentReleaseId: pending.id, releaseCount: 1 });
    expect((await s.reload(run)).releaseId).toBe(pending.id);
  });

  it('keeps the GitOps links the repository has, and only those', async () => {
    const s = setup((commit) => ({ commitUrl: `https://github.test/acme/gitops/commit/${commit}` }));
    const run = await s.addCommittedRun(s.gitops);
    const { releaseId } = await s.recordRelease(s.stateOf(run));
    const release = await s.runs.getRelease(run.projectId, releaseId);
    expect(release?.gitopsCommitUrl).toBe(`https://github.test/acme/gitops/commit/${run.gitopsCommit}`);
    expect(release).not.toHaveProperty('gitopsDiffUrl');

    const both = setup((commit) => ({ commitUrl: `https://c/${commit}`, diffUrl: `https://d/${commit}` }));
    const other = await both.addCommittedRun(both.gitops);
    const recorded = await both.recordRelease(both.stateOf(other));
    expect(await both.runs.getRelease(other.projectId, recorded.releaseId)).toMatchObject({
      gitopsCommitUrl: `https://c/${other.gitopsCommit}`,
      gitopsDiffUrl: `https://d/${other.gitopsCommit}`,
    });
  });

  it('records a rollback with the release it restored', async () => {
    const s = setup();
    const committed = await s.addCommittedRun(s.gitops);
    const run: Run = {
      ...committed,
      kind: 'rollback',
      pendingRelease: {
        ...(committed.pendingRelease as NonNullable<Run['pendingRelease']>),
        rollbackOf: 'l-old',
      },
    };
    await s.runs.replace(run, committed);
    const { releaseId } = await s.recordRelease(s.stateOf(run));
    expect(await s.runs.getRelease(run.projectId, releaseId)).toMatchObject({
      kind: 'rollback',
      rollbackOf: 'l-old',
    });
  });

  it('records a promotion with the release it came from', async () => {
    const s = setup();
    const promotedFrom = { releaseId: 'l-staging-4', environment: 'staging' as const, number: 4 };
    const committed = await s.addCommittedRun(s.gitops, s.monolith, { kind: 'promote' });
    const run: Run = {
      ...committed,
      promotedFrom,
      pendingRelease: { ...(committed.pendingRelease as NonNullable<Run['pendingRelease']>), promotedFrom },
    };
    await s.runs.replace(run, committed);
    const { releaseId } = await s.recordRelease(s.stateOf(run));
    expect(await s.runs.getRelease(run.projectId, releaseId)).toMatchObject({
      kind: 'promote',
      promotedFrom,
      image: run.image,
    });
    // Only a rollback holds auto-deploy.
    expect((await s.env()).hold).toBeUndefined();
  });

  it('holds the environment after a user’s rollback, with who, when, the release restored and the reason', async () => {
    const s = setup();
    const committed = await s.addCommittedRun(s.gitops, s.monolith, {
      kind: 'rollback',
      reason: 'checkout fails for EU cards',
    });
    const run: Run = {
      ...committed,
      pendingRelease: {
        ...(committed.pendingRelease as NonNullable<Run['pendingRelease']>),
        rollbackOf: 'l-old',
        reason: 'checkout fails for EU cards',
      },
    };
    await s.runs.replace(run, committed);
    const { releaseId } = await s.recordRelease(s.stateOf(run));
    expect(await s.runs.getRelease(run.projectId, releaseId)).toMatchObject({
      kind: 'rollback',
      rollbackOf: 'l-old',
      reason: 'checkout fails for EU cards',
    });
    const hold = {
      by: 'alice',
      at,
      runId: run.id,
      releaseId: 'l-old',
      reason: 'checkout fails for EU cards',
    };
    expect((await s.env()).hold).toEqual(hold);
    expect(s.log(run)).toEqual([
      'Auto-deploy of production is on hold after this rollback: resume it to deploy pushes again.',
    ]);
    // A retry sets the same hold and says nothing twice.
    await s.recordRelease(s.stateOf(run));
    expect((await s.env()).hold).toEqual(hold);
    expect(s.log(run)).toHaveLength(1);
  });

  it('puts no hold for a deploy', async () => {
    const s = setup();
    const run = await s.addCommittedRun(s.gitops);
    await s.recordRelease(s.stateOf(run));
    expect((await s.env()).hold).toBeUndefined();
  });

  it('is idempotent: a retry returns the same release and changes nothing', async () => {
    const s = setup();
    const run = await s.addCommittedRun(s.gitops);
    const first = await s.recordRelease(s.stateOf(run));
    const stored = await s.reload(run);
    expect(await s.recordRelease(s.stateOf(run))).toEqual(first);
    expect(s.runs.releases.size).toBe(1);
    expect((await s.env()).releaseCount).toBe(1);
    expect(await s.reload(run)).toEqual(stored);
  });

  it('fails with NoCommit when there is no commit or no image to record', async () => {
    const s = setup();
    const bare = await s.addRun(s.monolith, { status: 'syncing' });
    expect(await failure(s.recordRelease(s.stateOf(bare)))).toEqual({
      name: 'NoCommit',
      message: 'Nothing to record.',
    });
    const imageless = await s.addCommittedRun(s.gitops, s.monolith, { image: undefined });
    expect(await failure(s.recordRelease(s.stateOf(imageless)))).toMatchObject({ name: 'NoCommit' });
    expect(s.runs.releases.size).toBe(0);
  });
});
