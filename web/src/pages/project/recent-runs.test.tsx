import type { Run } from '@shared/deploy.ts';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { type FakeRequest, renderPage } from '../../testing/harness.tsx';
import { RecentRuns } from './recent-runs.tsx';

const W = 'wabc1234';
const P = 'pshop';
const RUNS = `GET /workspaces/${W}/projects/${P}/deployments`;

const run = (n: number, fields: Partial<Run> = {}): Run => ({
  id: `r${String(n).padStart(9, '0')}`,
  workspaceId: W,
  projectId: P,
  projectName: 'shop',
  environment: n % 2 ? 'staging' : 'production',
  kind: 'deploy',
  status: 'deployed',
  trigger: 'user',
  requestedBy: 'u-alice',
  commit: { sha: `${n}c6059f`.padEnd(40, '0'), message: `Change ${n}`, author: 'alice' },
  pendingRelease: { number: n } as Run['pendingRelease'],
  steps: [],
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:42.000Z',
  finishedAt: '2026-12-01T10:00:42.000Z',
  ...fields,
});

/** 45 runs, newest first, paged by the fake API as the real one does: by cursor, with filters. */
const all = Array.from({ length: 45 }, (_, i) => run(45 - i));
function pages(request: FakeRequest) {
  const q = request.query ?? {};
  const limit = Number(q.limit);
  const matching = all.filter(
    (r) =>
      (!q.status || r.status === q.status) &&
      (!q.environment || r.environment === q.environment) &&
      (!q.trigger || r.trigger === q.trigger),
  );
  const from = q.cursor ? matching.findIndex((r) => r.id === q.cursor) + 1 : 0;
  const items = matching.slice(from, from + limit);
  const more = from + limit < matching.length;
  return { items, ...(more ? { nextCursor: items.at(-1)?.id } : {}) };
}

/** `nextCursor: null`: the first page is the whole history. */
function renderRuns(first = all.slice(0, 10), nextCursor: string | null | undefined = all[9]?.id) {
  return renderPage(
    <RecentRuns
      workspaceId={W}
      projectId={P}
      environments={['staging', 'production']}
      runs={first}
      nextCursor={nextCursor ?? undefined}
      live={{}}
    />,
    { routes: { [RUNS]: pages }, withMe: false },
  );
}

const titles = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getByRole('link').textContent);

describe('RecentRuns: the run history', () => {
  it('titles each run by release number, commit, author and duration: never an internal id', () => {
    renderRuns();
    expect(titles()[0]).toBe("Deploy #45 · 45c6059 'Change 45' · alice · 42s");
    for (const row of screen.getAllByRole('row').slice(1)) {
      expect(row).toHaveClass('run-row');
      expect(row.textContent).not.toMatch(/r0000000\d\d/);
    }
  });

  it('shows more, page by page, down to the first run, then says so', async () => {
    const user = userEvent.setup();
    const { sent } = renderRuns();
    for (const shown of [30, 45]) {
      await user.click(screen.getByRole('button', { name: 'Show more' }));
      await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(shown + 1));
    }
    expect(titles().at(-1)).toMatch(/^Deploy #1 /);
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    expect(screen.getByText('That is the whole history.')).toBeInTheDocument();
    expect(sent().map((c) => c.query?.cursor)).toEqual([all[9]?.id, all[29]?.id]);
  });

  it('offers no Show more when the first page is the whole history', () => {
    renderRuns(all.slice(0, 10), null);
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
  });

  it('filters by status, environment and trigger through the API, and pages the filtered list', async () => {
    const user = userEvent.setup();
    all[3] = { ...(all[3] as Run), status: 'failed', trigger: 'webhook', requestedBy: 'github:bob' };
    const { sent } = renderRuns();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Filter by environment' }), 'staging');
    await waitFor(() => expect(titles()).toHaveLength(20));
    expect(sent().at(-1)?.query).toMatchObject({ environment: 'staging', limit: 20 });
    expect(
      titles().every((t) => /#(\d+)/.exec(t ?? '')?.[1] && Number(/#(\d+)/.exec(t ?? '')?.[1]) % 2 === 1),
    ).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(titles()).toHaveLength(23));
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();

    await user.selectOptions(screen.getByRole('combobox', { name: 'Filter by environment' }), '');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Filter by status' }), 'failed');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Filter by trigger' }), 'webhook');
    await waitFor(() => expect(titles()).toEqual(["Deploy #42 · 42c6059 'Change 42' · alice · 42s"]));
    expect(sent().at(-1)?.query).toMatchObject({ status: 'failed', trigger: 'webhook' });

    await user.selectOptions(screen.getByRole('combobox', { name: 'Filter by status' }), 'cancelled');
    expect(await screen.findByText('No runs match these filters.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(titles()).toHaveLength(10);
  });
});
