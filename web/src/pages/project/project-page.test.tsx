import type { Release, Run } from '@shared/deploy.ts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../api/client.ts';
import { ApiError } from '../../api/client.ts';
import { ServicesProvider } from '../../api/context.tsx';
import type { WebConfig } from '../../config.ts';
import { type Live, type RunChangeEvent, StaticLiveProvider } from '../../live/live-context.tsx';
import ProjectPage from './project-page.tsx';

const W = 'wabc1234';
const P = 'pshop';
const base = `/workspaces/${W}/projects/${P}`;

const project = {
  id: P,
  workspaceId: W,
  name: 'shop',
  type: 'monolith',
  environments: ['production'],
  env: [],
  repository: { url: 'https://github.com/acme/shop', branch: 'main' },
  port: 8080,
  autoDeploy: false,
  replicas: 1,
  healthCheckPath: '/',
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 1,
};

const release = (n: number, fields: Partial<Release>): Release => ({
  id: `rel${n}`,
  number: n,
  workspaceId: W,
  projectId: P,
  environment: 'production',
  runId: `r00000000${n}`,
  kind: 'deploy',
  image: { reference: `registry.local/wharf/shop:r${n}`, digest: `sha256:${n}` },
  sourceCommit: `${n}`.repeat(40),
  values: `image: registry.local/wharf/shop:r${n}\nreplicas: 1\nport: 8080\n`,
  envNames: ['DATABASE_URL'],
  gitopsCommit: `c${n}`.repeat(20),
  gitopsPath: `apps/${W}/alice/shop/production`,
  appName: 'shop-production',
  createdBy: 'alice',
  createdAt: '2025-01-02T00:00:00Z',
  ...fields,
});

const current = release(2, {
  liveUrl: 'http://shop-wabc1234.localhost:8080/',
  envNames: ['DATABASE_URL', 'FEATURE_X'],
  gitopsCommitUrl: 'https://github.com/acme/gitops/commit/c2',
});
const previous = release(1, { values: 'image: registry.local/wharf/shop:r1\nreplicas: 2\nport: 8080\n' });

const run = (id: string, status: Run['status'], kind: Run['kind'] = 'deploy'): Run => ({
  id,
  workspaceId: W,
  projectId: P,
  projectName: 'shop',
  environment: 'production',
  kind,
  status,
  trigger: 'user',
  requestedBy: 'alice',
  source: { repositoryUrl: 'https://github.com/acme/shop', branch: 'main' },
  steps: [],
  createdAt: '2025-01-02T00:00:00Z',
  updatedAt: '2025-01-02T00:00:00Z',
});

type Call = { method: string; path: string; body?: unknown };

function fakeApi(overrides: Record<string, (call: Call) => unknown> = {}) {
  const calls: Call[] = [];
  const routes: Record<string, (call: Call) => unknown> = {
    [`GET ${base}`]: () => project,
    [`GET ${base}/deployments`]: () => ({ items: [run('r000000001', 'building')] }),
    [`GET ${base}/releases`]: () => ({ items: [current, previous], currentReleaseId: current.id }),
    [`POST ${base}/releases/rel1/rollback`]: () => run('r000000009', 'queued', 'rollback'),
    [`POST ${base}/deployments`]: () => run('r000000010', 'queued'),
    ...overrides,
  };
  const api: ApiClient = {
    async request<T>(method: string, path: string, options?: { body?: unknown }) {
      const call = { method, path, body: options?.body };
      calls.push(call);
      const route = routes[`${method} ${path}`];
      if (!route) throw new ApiError(404, 'not_found', `no fake for ${method} ${path}`);
      return route(call) as T;
    },
  };
  return { api, calls };
}

function fakeLive() {
  const watchers: Array<(event: RunChangeEvent) => void> = [];
  const live: Live = {
    state: 'open',
    watchWorkspace: (_workspaceId, onEvent) => {
      watchers.push(onEvent);
      return () => watchers.splice(watchers.indexOf(onEvent), 1);
    },
    subscribeRun: () => () => undefined,
  };
  const emit = (event: RunChangeEvent) => {
    for (const watcher of watchers) watcher(event);
  };
  return { live, emit };
}

function renderPage(api: ApiClient, live = fakeLive().live) {
  const config = {
    issuer: 'http://x',
    clientId: 'c',
    apiUrl: '/api',
    webSocketUrl: '/ws',
    mode: 'local',
  } as WebConfig;
  return render(
    <ServicesProvider services={{ api, config }}>
      <StaticLiveProvider live={live}>
        <MemoryRouter initialEntries={[`/w/${W}/projects/${P}`]}>
          <Routes>
            <Route path="/w/:workspaceId/projects/:projectId" element={<ProjectPage />} />
            <Route path="/w/:workspaceId/projects/:projectId/runs/:runId" element={<p>Run page</p>} />
            <Route path="/w/:workspaceId/projects/:projectId/edit" element={<p>Edit page</p>} />
          </Routes>
        </MemoryRouter>
      </StaticLiveProvider>
    </ServicesProvider>,
  );
}

describe('ProjectPage', () => {
  it('shows the live release with its URL, the history and the edit link', async () => {
    renderPage(fakeApi().api);
    expect(await screen.findByRole('heading', { name: 'shop', level: 1 })).toBeInTheDocument();
    const open = await screen.findByRole('link', { name: /Open live URL/ });
    expect(open).toHaveAttribute('href', 'http://shop-wabc1234.localhost:8080/');
    expect(open).toHaveAttribute('target', '_blank');
    expect(screen.getByRole('link', { name: 'Edit project' })).toHaveAttribute(
      'href',
      `/w/${W}/projects/${P}/edit`,
    );
    expect(screen.getAllByRole('link', { name: /GitOps commit/ })[0]).toHaveAttribute(
      'href',
      'https://github.com/acme/gitops/commit/c2',
    );
    expect(screen.getByRole('button', { name: 'Roll back to release 1' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Roll back to release 2' })).not.toBeInTheDocument();
  });

  it('previews a rollback (image, values diff, env names); Esc cancels and returns focus', async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi();
    renderPage(api);
    const rollBack = await screen.findByRole('button', { name: 'Roll back to release 1' });
    await user.click(rollBack);

    const dialog = screen.getByRole('dialog', { name: 'Roll back production to release 1?' });
    expect(within(dialog).getByText('registry.local/wharf/shop:r2')).toBeInTheDocument();
    expect(within(dialog).getByText('registry.local/wharf/shop:r1')).toBeInTheDocument();
    const diff = dialog.querySelector('.values-diff') as HTMLElement;
    expect([...diff.querySelectorAll('.diff-removed')].map((l) => l.textContent?.trim())).toEqual([
      '- image: registry.local/wharf/shop:r2',
      '- replicas: 1',
    ]);
    expect([...diff.querySelectorAll('.diff-added')].map((l) => l.textContent?.trim())).toEqual([
      '+ image: registry.local/wharf/shop:r1',
      '+ replicas: 2',
    ]);
    expect(within(dialog).getByText(/Removed:/)).toHaveTextContent('Removed: FEATURE_X');
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(rollBack).toHaveFocus();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('keeps Tab inside the dialog, and confirming rolls back and opens the run', async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi();
    renderPage(api);
    await user.click(await screen.findByRole('button', { name: 'Roll back to release 1' }));
    const dialog = screen.getByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Roll back' });
    await user.tab();
    expect(confirm).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await user.click(confirm);
    expect(await screen.findByText('Run page')).toBeInTheDocument();
    expect(calls).toContainEqual({ method: 'POST', path: `${base}/releases/rel1/rollback`, body: undefined });
  });

  it('validates the deploy request with the shared schema, then deploys and opens the run', async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi();
    renderPage(api);
    const commit = await screen.findByRole('textbox', { name: 'Commit' });
    await user.type(commit, 'not-a-sha');
    await user.click(screen.getByRole('button', { name: 'Deploy to production' }));
    expect(await screen.findByText(/Commit must be a git commit id/)).toBeInTheDocument();
    expect(commit).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await user.clear(commit);
    await user.type(commit, 'abc1234');
    await user.type(screen.getByRole('textbox', { name: 'Branch' }), 'release/1.2');
    await user.click(screen.getByRole('button', { name: 'Deploy to production' }));
    expect(await screen.findByText('Run page')).toBeInTheDocument();
    expect(calls).toContainEqual({
      method: 'POST',
      path: `${base}/deployments`,
      body: { environment: 'production', branch: 'release/1.2', commit: 'abc1234' },
    });
  });

  it('updates run statuses live and reloads releases when a run ends', async () => {
    const { api, calls } = fakeApi();
    const { live, emit } = fakeLive();
    renderPage(api, live);
    const runs = await screen.findByRole('region', { name: 'Recent runs' });
    expect(await within(runs).findByText('Building')).toBeInTheDocument();
    const releaseLoads = () => calls.filter((c) => c.path === `${base}/releases`).length;
    const before = releaseLoads();
    emit({ type: 'run', runId: 'r000000001', projectId: P, workspaceId: W, status: 'deployed' });
    expect(await within(runs).findByText('Deployed')).toBeInTheDocument();
    await waitFor(() => expect(releaseLoads()).toBe(before + 1));
    emit({ type: 'run', runId: 'r000000001', projectId: 'other', workspaceId: W, status: 'failed' });
    expect(within(runs).queryByText('Failed')).not.toBeInTheDocument();
  });

  it('shows why a rollback could not start', async () => {
    const user = userEvent.setup();
    const { api } = fakeApi({
      [`POST ${base}/releases/rel1/rollback`]: () => {
        throw new ApiError(
          409,
          'release.already_live',
          'Release 1 is already the live release of production.',
        );
      },
    });
    renderPage(api);
    await user.click(await screen.findByRole('button', { name: 'Roll back to release 1' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('already the live release');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    vi.restoreAllMocks();
  });

  it('flags an environment whose Git state is not its live release, with the cause', async () => {
    const cause = "Git still names run r2's release: restoring release 1 failed (GitHub is unavailable).";
    const { api } = fakeApi({
      [`GET ${base}/releases`]: () => ({
        items: [current, previous],
        currentReleaseId: current.id,
        outOfSync: { cause, runId: 'r2', at: '2025-01-03T00:00:00Z' },
      }),
    });
    renderPage(api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Out of sync.');
    expect(alert).toHaveTextContent(cause);
  });
});
