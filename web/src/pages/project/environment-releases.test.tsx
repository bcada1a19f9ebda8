import type { Release } from '@shared/deploy.ts';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderPage } from '../../testing/harness.tsx';
import { EnvironmentReleases } from './environment-releases.tsx';

const W = 'wabc1234';
const P = 'pshop';
const commit = { sha: '6c6059f0a1b2c3d4e5f60718293a4b5c6d7e8f90', message: 'Fix header', author: 'alice' };

const release = (n: number, fields: Partial<Release> = {}): Release => ({
  id: `l01m8ztrsfe938k7k4${n}`,
  number: n,
  workspaceId: W,
  projectId: P,
  environment: 'production',
  runId: `r00000000${n}`,
  kind: 'deploy',
  image: { reference: `registry.local/wharf/shop:r${n}`, digest: `sha256:${'a'.repeat(64)}` },
  sourceCommit: commit.sha,
  commit,
  values: '',
  envNames: [],
  gitopsCommit: 'f'.repeat(40),
  gitopsPath: 'apps/x',
  appName: 'shop',
  createdBy: 'alice',
  createdAt: '2026-12-01T10:00:00.000Z',
  ...fields,
});

describe('EnvironmentReleases', () => {
  it('titles releases by number and commit, a rollback by the release it restored: no internal ids', async () => {
    const one = release(1);
    const two = release(2, { commit: { sha: `7${'0'.repeat(39)}`, message: 'Break it', author: 'bob' } });
    const three = release(3, { kind: 'rollback', rollbackOf: one.id });
    renderPage(<EnvironmentReleases workspaceId={W} projectId={P} environment="production" version={0} />, {
      routes: {
        [`GET /workspaces/${W}/projects/${P}/releases`]: {
          items: [three, two, one],
          currentReleaseId: three.id,
        },
      },
      withMe: false,
    });
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
      "#3 · Rollback to #1 (6c6059f 'Fix header')live",
      "#2 · 7000000 'Break it'",
      "#1 · 6c6059f 'Fix header'",
    ]);
    for (const row of rows) {
      expect(row).toHaveClass('release-row');
      expect(row.textContent).not.toContain('l01m8ztrsfe938k7k4');
    }
    // The actions cell has a stable class for the phone layout; the live release has no Roll back.
    const actions = rows.map((r) => r.querySelector('.row-actions'));
    expect(actions.every(Boolean)).toBe(true);
    expect(
      within(rows[2] as HTMLElement).getByRole('button', { name: 'Roll back to release 1' }),
    ).toBeInTheDocument();
    expect(within(rows[0] as HTMLElement).queryByRole('button')).not.toBeInTheDocument();
  });
});
