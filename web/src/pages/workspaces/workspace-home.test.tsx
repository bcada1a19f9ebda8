import type { RunStatus } from '@shared/deploy.ts';
import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
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
    expect(screen.getByRole('link', { name: 'Deploy a sample' })).toHaveAttribute(
      'href',
      '/w/w1/projects/new?sample=node-web',
    );
  });

  it('offers no sample in the cloud', async () => {
    open({ [`GET ${P}`]: { items: [] } }, testConfig({ mode: 'cloud' }));
    expect(await screen.findByRole('heading', { name: 'No projects yet' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Deploy a sample' })).toBeNull();
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

  it('asks for one run and one production release per row', async () => {
    const { calls } = open({
      [`GET ${P}`]: { items: [storefront] },
      [`GET ${P}/p1/deployments`]: { items: [] },
      [`GET ${P}/p1/releases`]: { items: [] },
    });
    await screen.findByText('Never deployed');
    expect(calls.find((c) => c.path === `${P}/p1/deployments`)?.query).toMatchObject({ limit: 1 });
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
    expect(watchers.map((w) => w.workspaceId)).toEqual(['w1']);

    status = 'deployed';
    act(() => watchers[0]?.onEvent({ type: 'run', runId: 'r1', projectId: 'p1', workspaceId: 'w1', status }));
    await waitFor(() => expect(screen.getByText('Deployed')).toBeInTheDocument());
  });
});
