import type { RunStatus } from '@shared/deploy.ts';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage, testConfig } from '../../testing/harness.tsx';
import { WorkspaceHome } from './workspace-home.tsx';

type RunEvent = { type: 'run'; runId: string; projectId: string; workspaceId: string; status: RunStatus };
const watchers: { workspaceId: string; onEvent: (event: RunEvent) => void }[] = [];
vi.mock('../../live/live-context.tsx', () => ({
  useLive: () => ({
    watchWorkspace: watchWorkspaceFake,
    subscribeRun: () => () => {},
    state: 'open',
  }),
}));
function watchWorkspaceFake(workspaceId: string, onEvent: (event: RunEvent) => void) {
  const watcher = { workspaceId, onEvent };
  watchers.push(watcher);
  return () => watchers.splice(watchers.indexOf(watcher), 1);
}

const P = '/workspaces/w1/projects';
const project = (fields: Record<string, unknown>) => ({
  workspaceId: 'w1',
  environments: ['production'],
  env: [],
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 1,
  ...fields,
});
const storefront = project({
  id: 'p1',
  name: 'storefront',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
  port: 3000,
  autoDeploy: false,
  replicas: 1,
  healthCheckPath: '/',
});
const ordersDb = project({
  id: 'p2',
  name: 'orders-db',
  type: 'database',
  engine: 'postgres',
  version: '16',
  storage: '10Gi',
});
const run = (status: RunStatus) => ({
  id: 'r1',
  projectId: 'p1',
  environment: 'production',
  kind: 'deploy',
  status,
  trigger: 'user',
  requestedBy: 'bob',
  createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
});

beforeEach(() => {
  watchers.length = 0;
});

function open(routes: Record<string, unknown>, config = testConfig()) {
  return renderPage(<WorkspaceHome />, { path: '/w/:workspaceId', url: '/w/w1', routes, config });
}

describe('WorkspaceHome', () => {
  it('says what to do first, with "Deploy a sample" on the local platform', async () => {
    open({ [`GET ${P}`]: { items: [] } });
    expect(await screen.findByRole('heading', { name: 'No projects yet' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Create a project' })).toHaveAttribute(
      'href',
      '/w/w1/projects/new',
    );
    expect(screen.getByRole('button', { name: 'Deploy a sample' })).toBeInTheDocument();
  });

  it('offers no sample in the cloud', async () => {
    open({ [`GET ${P}`]: { items: [] } }, testConfig({ mode: 'cloud' }));
    expect(await screen.findByRole('heading', { name: 'No projects yet' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Deploy a sample' })).toBeNull();
  });

  it('lists projects with type, source, status, live URL and last deploy', async () => {
    open({
      [`GET ${P}`]: { items: [storefront, ordersDb] },
      [`GET ${P}/p1/deployments`]: { items: [run('deployed')] },
      [`GET ${P}/p1/releases`]: {
        items: [{ id: 'rel1', liveUrl: 'http://storefront-alice.localhost:8080' }],
      },
      [`GET ${P}/p2/deployments`]: { items: [] },
      [`GET ${P}/p2/releases`]: { items: [] },
    });
    const rows = await screen.findAllByRole('listitem');
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(within(first).getByRole('link', { name: 'storefront' })).toHaveAttribute(
      'href',
      '/w/w1/projects/p1',
    );
    expect(within(first).getByText('Monolith')).toBeInTheDocument();
    expect(within(first).getByText('github.com/acme/storefront@main')).toBeInTheDocument();
    expect(await within(first).findByText('Deployed')).toBeInTheDocument();
    expect(within(first).getByRole('link', { name: /storefront-alice\.localhost:8080/ })).toHaveAttribute(
      'href',
      'http://storefront-alice.localhost:8080',
    );
    expect(within(first).getByText(/Last deploy: bob/)).toHaveTextContent('5 minutes ago');

    expect(within(second).getByText('Database')).toBeInTheDocument();
    expect(within(second).getByText('postgres 16 · 10Gi')).toBeInTheDocument();
    expect(await within(second).findByText('Not deployed yet')).toBeInTheDocument();
    expect(within(second).getByText('Never deployed')).toBeInTheDocument();
  });

  it("shows each environment's own newest run: a staging deploy does not hide production's", async () => {
    open({
      [`GET ${P}`]: { items: [{ ...storefront, environments: ['staging', 'production'] }] },
      [`GET ${P}/p1/deployments`]: {
        items: [
          { ...run('building'), id: 'r3', environment: 'staging' },
          { ...run('deployed'), id: 'r2', environment: 'production' },
          { ...run('failed'), id: 'r1', environment: 'staging' },
        ],
      },
      [`GET ${P}/p1/releases`]: { items: [] },
    });
    const staging = (await screen.findByText('staging')).closest('p') as HTMLElement;
    const production = screen.getByText('production').closest('p') as HTMLElement;
    expect(await within(staging).findByText('Building')).toBeInTheDocument();
    expect(await within(production).findByText('Deployed')).toBeInTheDocument();
  });

  it('asks for recent runs and one production release per row', async () => {
    const { calls } = open({
      [`GET ${P}`]: { items: [storefront] },
      [`GET ${P}/p1/deployments`]: { items: [] },
      [`GET ${P}/p1/releases`]: { items: [] },
    });
    await screen.findByText('Never deployed');
    expect(calls.find((c) => c.path === `${P}/p1/deployments`)?.query).toMatchObject({ limit: 20 });
    expect(calls.find((c) => c.path === `${P}/p1/releases`)?.query).toMatchObject({
      environment: 'production',
      limit: 1,
    });
  });

  it('refreshes a row when a live run event for its project arrives', async () => {
    let status: RunStatus = 'building';
    open({
      [`GET ${P}`]: { items: [storefront] },
      [`GET ${P}/p1/deployments`]: () => ({ items: [run(status)] }),
      [`GET ${P}/p1/releases`]: { items: [] },
    });
    expect(await screen.findByText('Building')).toBeInTheDocument();
    expect(new Set(watchers.map((w) => w.workspaceId))).toEqual(new Set(['w1']));

    status = 'deployed';
    act(() => {
      for (const w of [...watchers])
        w.onEvent({ type: 'run', runId: 'r1', projectId: 'p1', workspaceId: 'w1', status });
    });
    await waitFor(() => expect(screen.getByText('Deployed')).toBeInTheDocument());
  });
});

describe('WorkspaceHome: Deploy a sample', () => {
  const SAMPLES = {
    items: [{ name: 'node-web', url: 'http://localhost:8080/git/node-web.git', description: '' }],
  };

  it('creates the sample under the next free name, starts its deploy and opens the run, in one click', async () => {
    const user = userEvent.setup();
    const { sent } = open({
      [`GET ${P}`]: { items: [] },
      'GET /samples': SAMPLES,
      [`POST ${P}`]: ({ body }: { body?: unknown }) => {
        if ((body as { name: string }).name === 'node-web') {
          throw new ApiError(409, 'project.name_taken', 'name node-web is already used', 'name');
        }
        return { ...storefront, id: 'p9', name: 'node-web-2', environments: ['staging', 'production'] };
      },
      [`POST ${P}/p9/deployments`]: { id: 'r9', status: 'queued' },
    });
    await user.click(await screen.findByRole('button', { name: 'Deploy a sample' }));
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent('/w/w1/projects/p9/runs/r9'),
    );
    const posts = sent().filter((c) => c.method === 'POST');
    expect(posts.map((c) => [c.path, c.body])).toEqual([
      [P, expect.objectContaining({ name: 'node-web', port: 3000, healthCheckPath: '/healthz' })],
      [
        P,
        expect.objectContaining({
          name: 'node-web-2',
          type: 'monolith',
          repository: { url: 'http://localhost:8080/git/node-web.git', branch: 'main' },
        }),
      ],
      [`${P}/p9/deployments`, { environment: 'staging' }],
    ]);
  });

  it('says why when the deploy cannot start, and a retry deploys the project it made instead of another', async () => {
    const user = userEvent.setup();
    let deployFails = true;
    const { sent } = open({
      [`GET ${P}`]: { items: [] },
      'GET /samples': SAMPLES,
      [`POST ${P}`]: { ...storefront, id: 'p9', name: 'node-web', environments: ['staging', 'production'] },
      [`POST ${P}/p9/deployments`]: () => {
        if (deployFails)
          throw new ApiError(503, 'workflow.unavailable', 'The deploy workflow could not be started.');
        return { id: 'r9', status: 'queued' };
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Deploy a sample' }));
    expect(
      await screen.findByText(/^The deploy workflow could not be started\. Try again/),
    ).toBeInTheDocument();
    deployFails = false;
    await user.click(screen.getByRole('button', { name: 'Deploy a sample' }));
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent('/w/w1/projects/p9/runs/r9'),
    );
    expect(sent().filter((c) => c.method === 'POST' && c.path === P)).toHaveLength(1);
  });
});

describe('WorkspaceHome: the list, newest activity first, paged and searched', () => {
  /** `count` projects as the API orders them, and a fake API that pages them like the server. */
  function server(count: number) {
    const all = Array.from({ length: count }, (_, i) => ({ ...storefront, id: `p${i}`, name: `app-${i}` }));
    const routes: Record<string, unknown> = {
      [`GET ${P}`]: ({ query }: { query?: Record<string, string | number | undefined> }) => {
        const matching = all.filter((p) => !query?.q || p.name.includes(String(query.q)));
        const start = query?.cursor ? Number(query.cursor) : 0;
        const end = start + Number(query?.limit);
        return {
          items: matching.slice(start, end),
          ...(end < matching.length ? { nextCursor: String(end) } : {}),
        };
      },
    };
    for (const p of all) {
      routes[`GET ${P}/${p.id}/deployments`] = { items: [] };
      routes[`GET ${P}/${p.id}/releases`] = { items: [] };
    }
    return routes;
  }

  const names = () =>
    within(screen.getByRole('list', { name: 'Projects' }))
      .getAllByRole('heading')
      .map((h) => h.textContent);

  it.each([49, 50, 51, 60])(
    'shows all %i projects in the order given, with "Show more" only while more follow',
    async (count) => {
      const user = userEvent.setup();
      const { sent } = open(server(count));
      await screen.findByRole('list', { name: 'Projects' });
      expect(names()).toHaveLength(Math.min(count, 50));
      if (count > 50) {
        await user.click(screen.getByRole('button', { name: 'Show more projects' }));
        await waitFor(() => expect(names()).toHaveLength(count));
      }
      expect(names()).toEqual(Array.from({ length: count }, (_, i) => `app-${i}`));
      expect(screen.queryByRole('button', { name: 'Show more projects' })).toBeNull();
      expect(
        sent()
          .filter((c) => c.path === P)
          .map((c) => c.query?.limit),
      ).toEqual(count > 50 ? [50, 50] : [50]);
    },
  );

  it('shows a project once when it moved between pages and comes again', async () => {
    const user = userEvent.setup();
    const routes = server(51);
    const list = routes[`GET ${P}`] as (r: { query?: Record<string, string | number | undefined> }) => {
      items: unknown[];
    };
    // The second page repeats app-3, whose activity changed after the first page was read.
    routes[`GET ${P}`] = (r: { query?: Record<string, string | number | undefined> }) => {
      const page = list(r);
      return r.query?.cursor ? { items: [{ ...storefront, id: 'p3', name: 'app-3' }, ...page.items] } : page;
    };
    open(routes);
    await screen.findByRole('list', { name: 'Projects' });
    await user.click(screen.getByRole('button', { name: 'Show more projects' }));
    await waitFor(() => expect(names()).toHaveLength(51));
    expect(names().filter((n) => n === 'app-3')).toHaveLength(1);
  });

  it('searches by name as the user types, and says when nothing matches', async () => {
    const user = userEvent.setup();
    const { sent } = open(server(12));
    await screen.findByRole('list', { name: 'Projects' });
    await user.type(screen.getByRole('searchbox', { name: 'Search projects' }), 'app-1');
    await waitFor(() => expect(names()).toEqual(['app-1', 'app-10', 'app-11']));
    const queries = sent()
      .filter((c) => c.path === P)
      .map((c) => c.query?.q);
    // The first load, then one request once typing paused: not one per key.
    expect(queries).toEqual([undefined, 'app-1']);

    await user.type(screen.getByRole('searchbox', { name: 'Search projects' }), 'x');
    expect(await screen.findByText('No project name contains “app-1x”.')).toHaveAttribute('role', 'status');
    expect(screen.getByRole('searchbox', { name: 'Search projects' })).toHaveFocus();
  });
});

describe('WorkspaceHome: waiting for your approval', () => {
  const approval = (runId: string, canDecide: boolean, fields: Record<string, unknown> = {}) => ({
    workspaceId: 'w1',
    projectId: 'p1',
    projectName: 'storefront',
    environment: 'production',
    runId,
    kind: 'deploy',
    requestedBy: 'bob',
    requestedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    expiresAt: '2025-01-03T12:00:00Z',
    canDecide,
    ...fields,
  });
  const routes = (items: unknown[]) => ({
    [`GET ${P}`]: { items: [] },
    'GET /workspaces/w1/approvals': () => ({ items }),
  });

  it('is hidden when nothing waits', async () => {
    const { calls } = open(routes([]));
    await screen.findByRole('heading', { name: 'No projects yet' });
    await waitFor(() => expect(calls.some((c) => c.path === '/workspaces/w1/approvals')).toBe(true));
    expect(screen.queryByRole('region', { name: 'Waiting for your approval' })).toBeNull();
  });

  it('lists the runs the caller may decide first, each linking to its run, with Approve / Reject in place', async () => {
    const user = userEvent.setup();
    let items = [
      approval('r1', false, { requestedBy: 'alice' }),
      approval('r2', true, {
        kind: 'promote',
        promotedFrom: { releaseId: 'rel3', environment: 'staging', number: 3 },
      }),
    ];
    const { calls } = open({
      ...routes([]),
      'GET /workspaces/w1/approvals': () => ({ items }),
      [`POST ${P}/p1/deployments/r2/approve`]: () => {
        items = items.filter((i) => i.runId !== 'r2');
        return { id: 'r2', status: 'queued' };
      },
    });
    const section = await screen.findByRole('region', { name: 'Waiting for your approval' });
    const rows = within(section).getAllByRole('listitem');
    expect(rows.map((r) => within(r).getAllByRole('link')[0]?.textContent)).toEqual([
      'Promotion of storefront to production',
      'Deploy of storefront to production',
    ]);
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(
      within(first).getByRole('link', { name: 'Promotion of storefront to production' }),
    ).toHaveAttribute('href', '/w/w1/projects/p1/runs/r2');
    expect(within(first).getByText(/from staging #3/)).toBeInTheDocument();
    expect(
      within(second).getByRole('button', { name: 'Approve deploy of storefront to production' }),
    ).toBeDisabled();
    expect(within(second).getByText(/You requested this run/)).toBeInTheDocument();

    await user.click(
      within(first).getByRole('button', { name: 'Approve promotion of storefront to production' }),
    );
    await waitFor(() => expect(within(section).getAllByRole('listitem')).toHaveLength(1));
    expect(calls).toContainEqual(
      expect.objectContaining({ method: 'POST', path: `${P}/p1/deployments/r2/approve`, body: {} }),
    );
  });

  it('says when the list could not be loaded', async () => {
    open({
      [`GET ${P}`]: { items: [] },
      'GET /workspaces/w1/approvals': () => {
        throw new ApiError(503, 'unavailable', 'The service is unavailable.');
      },
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Runs waiting for approval could not be loaded',
    );
  });
});
