import type { Release, Run } from '@shared/deploy.ts';
import { describe, expect, it } from 'vitest';
import { commitLabel, releaseTitle, runHeadline, runTitle } from './format.ts';

const commit = { sha: '6c6059f0a1b2c3d4e5f60718293a4b5c6d7e8f90', message: 'Fix header', author: 'alice' };

const run = (fields: Partial<Run>): Run => ({
  id: 'r0000000001',
  workspaceId: 'w1',
  projectId: 'p1',
  projectName: 'shop',
  environment: 'production',
  kind: 'deploy',
  status: 'deployed',
  trigger: 'user',
  requestedBy: 'u-123',
  steps: [],
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:42.000Z',
  finishedAt: '2026-12-01T10:00:42.000Z',
  ...fields,
});

const release = (fields: Partial<Release>): Release => ({
  id: 'l0000000005',
  number: 5,
  workspaceId: 'w1',
  projectId: 'p1',
  environment: 'production',
  runId: 'r0000000005',
  kind: 'deploy',
  image: { reference: 'registry/shop:r5', digest: `sha256:${'a'.repeat(64)}` },
  values: '',
  envNames: [],
  gitopsCommit: 'f'.repeat(40),
  gitopsPath: 'apps/x',
  appName: 'shop',
  createdBy: 'alice',
  createdAt: '2026-12-01T10:00:00.000Z',
  ...fields,
});

describe('run and release titles', () => {
  it('reads a deploy as its release number, commit, author and duration', () => {
    const deploy = run({ commit, pendingRelease: { number: 4 } as Run['pendingRelease'] });
    expect(runTitle(deploy)).toBe("Deploy #4 · 6c6059f 'Fix header' · alice · 42s");
  });

  it('leaves out what is not known yet: no number before the commit, no duration while running', () => {
    expect(runTitle(run({ status: 'building', finishedAt: undefined, requestedBy: 'github:bob' }))).toBe(
      'Deploy · bob',
    );
    expect(runHeadline(run({ commit: { sha: commit.sha } }))).toBe('Deploy · 6c6059f');
  });

  it('reads a rollback as the release it restores, with its commit, and a promotion as its source', () => {
    const rollback = run({
      kind: 'rollback',
      targetReleaseId: 'l0000000001',
      target: { releaseNumber: 1, environment: 'production', commit },
    });
    expect(runHeadline(rollback)).toBe("Rollback to #1 (6c6059f 'Fix header')");
    // The author is whoever rolled back, not the commit's author.
    expect(runTitle(rollback)).toBe("Rollback to #1 (6c6059f 'Fix header') · u-123 · 42s");
    const promote = run({
      kind: 'promote',
      promotedFrom: { releaseId: 'l3', environment: 'staging', number: 3 },
      target: { releaseNumber: 3, environment: 'staging', commit },
    });
    expect(runHeadline(promote)).toBe('Promote #3 from staging');
  });

  it('never shows an internal id, also for runs recorded before targets were', () => {
    const old = run({ kind: 'rollback', targetReleaseId: 'l01m8ztrsfe938k7k43' });
    expect(runTitle(old)).not.toContain('l01m8ztrsfe938k7k43');
    expect(runTitle(old)).not.toContain(old.id);
  });

  it('titles releases by number and commit, a rollback by the number it restored', () => {
    expect(releaseTitle(release({ commit }), () => undefined)).toBe("#5 · 6c6059f 'Fix header'");
    const back = release({ kind: 'rollback', rollbackOf: 'l1', commit });
    expect(releaseTitle(back, (id) => (id === 'l1' ? 1 : undefined))).toBe(
      "#5 · Rollback to #1 (6c6059f 'Fix header')",
    );
    expect(releaseTitle(back, () => undefined)).toBe("#5 · Rollback (6c6059f 'Fix header')");
    const promoted = release({ promotedFrom: { releaseId: 'l3', environment: 'staging', number: 3 } });
    expect(releaseTitle(promoted, () => undefined)).toBe('#5 · Promote #3 from staging');
    expect(commitLabel(undefined)).toBeUndefined();
  });
});
