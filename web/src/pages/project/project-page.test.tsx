import type { ApprovalList, EnvironmentView, PromotionPreview } from '@shared/api.ts';
import type { Release, Run } from '@shared/deploy.ts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../api/client.ts';
import { ApiError } from '../../api/client.ts';
import { ServicesProvider } from '../../api/context.tsx';
import { type Auth, StaticAuthProvider } from '../../auth/auth.tsx';
import type { WebConfig } from '../../config.ts';
import { type Live, type RunChangeEvent, StaticLiveProvider } from '../../live/live-context.tsx';
import ProjectPage from './project-page.tsx';

const W = 'wabc1234';
const P = 'pshop';
const base = `/workspaces/${W}/projects/${P}`;

const productionView: EnvironmentView = {
  name: 'production',
  namespace: 'acme-wabc1234',
  host: 'shop-wabc1234.localhost',
  liveUrl: 'http://shop-wabc1234.localhost:8080/',
  env: [],
  trigger: 'push',
  tagPattern: 'v*.*.*',
  requiresApproval: false,
};

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
  namespaces: { production: 'acme-wabc1234' },
  pipeline: [productionView],
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

type Call = { method: string; path: string; body?: unknown; query?: Record<string, unknown> };

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
    async request<T>(
      method: string,
      path: string,
      options?: { body?: unknown; query?: Record<string, unknown> },
    ) {
      const call: Call = { method, path, body: options?.body };
      if (options?.query) call.query = options.query;
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

const auth: Auth = {
  user: { id: 'alice', name: 'Alice' },
  loading: false,
  accessToken: async () => 'token',
  signIn: async () => undefined,
  signOut: async () => undefined,
};

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
      <StaticAuthProvider auth={auth}>
        <StaticLiveProvider live={live}>
          <MemoryRouter initialEntries={[`/w/${W}/projects/${P}`]}>
            <Routes>
              <Route path="/w/:workspaceId/projects/:projectId" element={<ProjectPage />} />
              <Route path="/w/:workspaceId/projects/:projectId/runs/:runId" element={<p>Run page</p>} />
              <Route path="/w/:workspaceId/projects/:projectId/edit" element={<p>Edit page</p>} />
            </Routes>
          </MemoryRouter>
        </StaticLiveProvider>
      </StaticAuthProvider>
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
    expect((await screen.findAllByRole('link', { name: /GitOps commit/ }))[0]).toHaveAttribute(
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
    // The values diff scrolls, so the keyboard reaches it too.
    await user.tab();
    expect(dialog.querySelector('pre.values-diff')).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('textbox', { name: 'Reason (optional)' })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await user.click(confirm);
    expect(await screen.findByText('Run page')).toBeInTheDocument();
    expect(calls).toContainEqual({ method: 'POST', path: `${base}/releases/rel1/rollback`, body: undefined });
  });

  it('sends the rollback reason when one is given', async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi();
    renderPage(api);
    await user.click(await screen.findByRole('button', { name: 'Roll back to release 1' }));
    const dialog = screen.getByRole('dialog');
    await user.type(within(dialog).getByRole('textbox', { name: 'Reason (optional)' }), '  checkout 500s  ');
    await user.click(within(dialog).getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Run page')).toBeInTheDocument();
    expect(calls).toContainEqual({
      method: 'POST',
      path: `${base}/releases/rel1/rollback`,
      body: { reason: 'checkout 500s' },
    });
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
    const region = await screen.findByRole('region', { name: 'Recent runs' });
    // The rows (the status filter's options name every status too).
    const runs = await within(region).findByRole('table');
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
      [`GET ${base}`]: () => ({
        ...project,
        pipeline: [{ ...productionView, outOfSync: { cause, runId: 'r2', at: '2025-01-03T00:00:00Z' } }],
      }),
    });
    renderPage(api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Out of sync.');
    expect(alert).toHaveTextContent(cause);
  });
});

describe('ProjectPage: pipeline, promotion and approvals', () => {
  const summary = (n: number, environment: string, fields: Partial<Release> = {}) => ({
    id: `${environment}-rel${n}`,
    number: n,
    kind: 'deploy' as const,
    image: { reference: `registry.local/wharf/shop:r${n}`, digest: `sha256:${'ab'.repeat(32)}` },
    sourceCommit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
    createdAt: new Date(Date.now() - 3 * 60_000).toISOString(),
    createdBy: 'bob',
    ...fields,
  });
  const staging: EnvironmentView = {
    name: 'staging',
    namespace: 'acme-wabc1234-staging',
    host: 'shop-staging-wabc1234.localhost',
    liveUrl: 'http://shop-staging-wabc1234.localhost:8080/',
    env: [],
    trigger: 'push',
    tagPattern: 'v*.*.*',
    requiresApproval: false,
    currentRelease: summary(3, 'staging'),
  };
  const production: EnvironmentView = {
    ...productionView,
    trigger: 'tag',
    requiresApproval: true,
    currentRelease: summary(2, 'production', {
      kind: 'promote',
      promotedFrom: { releaseId: 'staging-rel1', environment: 'staging', number: 1 },
    }),
    hold: {
      by: 'carol',
      at: new Date(Date.now() - 60 * 60_000).toISOString(),
      runId: 'r9',
      reason: 'checkout 500s',
    },
  };
  const twoEnvProject = {
    ...project,
    environments: ['staging', 'production'],
    namespaces: { staging: staging.namespace, production: production.namespace },
    pipeline: [staging, production],
  };
  const preview: PromotionPreview = {
    source: { ...summary(3, 'staging'), environment: 'staging' },
    target: 'production',
    current: production.currentRelease,
    image: { from: 'registry.local/wharf/shop@sha256:old', to: 'registry.local/wharf/shop@sha256:new' },
    values: { from: 'image: old\nreplicas: 2\n', to: 'image: new\nreplicas: 2\n' },
    envNames: { added: ['SENTRY_DSN'], removed: [], kept: ['DATABASE_URL'] },
    requiresApproval: true,
  };
  const routes = {
    [`GET ${base}`]: () => twoEnvProject,
    [`GET ${base}/deployments`]: () => ({ items: [] }),
    [`GET ${base}/releases`]: () => ({ items: [] }),
  };

  it('shows each environment in pipeline order with its release, the promoted-from line and the hold', async () => {
    renderPage(fakeApi(routes).api);
    const pipeline = await screen.findByRole('region', { name: 'Environments' });
    const stages = within(pipeline).getAllByRole('listitem');
    expect(stages.map((s) => within(s).getByRole('heading').textContent)).toEqual(['staging', 'production']);
    const [first, second] = stages as [HTMLElement, HTMLElement];
    expect(within(first).getByText('acme-wabc1234-staging')).toBeInTheDocument();
    expect(within(first).getByRole('link', { name: /Open live URL of staging/ })).toHaveAttribute(
      'href',
      'http://shop-staging-wabc1234.localhost:8080/',
    );
    expect(within(first).getByText('c0ffee1')).toBeInTheDocument();
    expect(within(first).getByText('sha256:abababababab')).toBeInTheDocument();
    expect(
      within(first)
        .getByText(/3 minutes ago/)
        .closest('dd'),
    ).toHaveTextContent('by bob');
    // The project's auto-deploy is off: the trigger waits for it, and the page says so.
    expect(
      within(first).getByText('Deploys only when started by hand (pushes once auto-deploy is on)'),
    ).toBeInTheDocument();
    expect(within(first).getByRole('link', { name: 'Settings of staging' })).toHaveAttribute(
      'href',
      `/w/${W}/projects/${P}/environments/staging`,
    );
    expect(within(first).getByRole('button', { name: 'Promote #3 to production' })).toBeInTheDocument();

    expect(within(second).getByText(/promoted from staging #1/)).toBeInTheDocument();
    expect(within(second).getByText(/requires approval/)).toBeInTheDocument();
    expect(
      within(second)
        .getByText(/Auto-deploy paused:/)
        .closest('p'),
    ).toHaveTextContent('Auto-deploy paused: rolled back by carol 1 hour ago — checkout 500s');
    // The last environment has nowhere to promote to.
    expect(within(second).queryByRole('button', { name: /Promote/ })).not.toBeInTheDocument();
  });

  it('resumes auto-deploy only after the confirmation, then reloads the pipeline', async () => {
    const user = userEvent.setup();
    let held = true;
    const { api, calls } = fakeApi({
      ...routes,
      [`GET ${base}`]: () => ({
        ...twoEnvProject,
        pipeline: [staging, held ? production : { ...production, hold: undefined }],
      }),
      [`DELETE ${base}/environments/production/hold`]: () => {
        held = false;
        return undefined;
      },
    });
    renderPage(api);
    await user.click(await screen.findByRole('button', { name: 'Resume auto-deploy' }));
    const dialog = screen.getByRole('dialog', { name: 'Resume auto-deploy of production?' });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(screen.queryByText(/Auto-deploy paused/)).not.toBeInTheDocument());
    expect(calls).toContainEqual({
      method: 'DELETE',
      path: `${base}/environments/production/hold`,
      body: undefined,
    });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('previews a promotion (image, values diff, variables, approval note), then promotes and opens the run', async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi({
      ...routes,
      [`GET ${base}/environments/production/promotions/preview`]: () => preview,
      [`POST ${base}/environments/production/promotions`]: () => run('r000000077', 'queued', 'promote'),
    });
    renderPage(api);
    await user.click(await screen.findByRole('button', { name: 'Promote #3 to production' }));
    const dialog = screen.getByRole('dialog', { name: 'Promote staging release 3 to production?' });
    expect(await within(dialog).findByText('registry.local/wharf/shop@sha256:new')).toBeInTheDocument();
    expect(calls).toContainEqual({
      method: 'GET',
      path: `${base}/environments/production/promotions/preview`,
      body: undefined,
      query: { releaseId: 'staging-rel3' },
    });
    expect(within(dialog).getByText('registry.local/wharf/shop@sha256:old')).toBeInTheDocument();
    const diff = dialog.querySelector('.values-diff') as HTMLElement;
    expect([...diff.querySelectorAll('.diff-removed')].map((l) => l.textContent?.trim())).toEqual([
      '- image: old',
    ]);
    expect([...diff.querySelectorAll('.diff-added')].map((l) => l.textContent?.trim())).toEqual([
      '+ image: new',
    ]);
    expect(within(dialog).getByText(/Added:/)).toHaveTextContent('Added: SENTRY_DSN');
    expect(
      within(dialog)
        .getByText(/requires approval/)
        .closest('p'),
    ).toHaveTextContent('waits until an owner of the workspace approves it');

    await user.click(within(dialog).getByRole('button', { name: 'Promote' }));
    expect(await screen.findByText('Run page')).toBeInTheDocument();
    expect(calls).toContainEqual({
      method: 'POST',
      path: `${base}/environments/production/promotions`,
      body: { releaseId: 'staging-rel3' },
    });
  });

  it('keeps Promote disabled until the preview has loaded', async () => {
    const user = userEvent.setup();
    renderPage(
      fakeApi({
        ...routes,
        [`GET ${base}/environments/production/promotions/preview`]: () => new Promise(() => undefined),
      }).api,
    );
    await user.click(await screen.findByRole('button', { name: 'Promote #3 to production' }));
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByText('Loading what changes…')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Promote' })).toBeDisabled();
  });

  it('deploys to the first environment of the pipeline by default', async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi(routes);
    renderPage(api);
    expect(await screen.findByRole('combobox', { name: 'Environment' })).toHaveValue('staging');
    await user.click(screen.getByRole('button', { name: 'Deploy to staging' }));
    await screen.findByText('Run page');
    expect(calls).toContainEqual({
      method: 'POST',
      path: `${base}/deployments`,
      body: { environment: 'staging' },
    });
  });

  describe('a run awaiting approval', () => {
    const expiresAt = '2025-01-03T12:00:00Z';
    const waitingRun: Run = {
      ...run('r000000050', 'awaiting_approval', 'promote'),
      requestedBy: 'bob',
      promotedFrom: { releaseId: 'staging-rel3', environment: 'staging', number: 3 },
      approval: { state: 'waiting', requestedAt: '2025-01-02T12:00:00Z', expiresAt },
    };
    const approvals = (canDecide: boolean, requestedBy = 'bob'): ApprovalList => ({
      items: [
        {
          workspaceId: W,
          projectId: P,
          projectName: 'shop',
          environment: 'production',
          runId: waitingRun.id,
          kind: 'promote',
          requestedBy,
          requestedAt: '2025-01-02T12:00:00Z',
          expiresAt,
          canDecide,
        },
      ],
    });
    const waitingRoutes = (canDecide: boolean, requestedBy = 'bob') => ({
      ...routes,
      [`GET ${base}/deployments`]: () => ({ items: [{ ...waitingRun, requestedBy }] }),
      [`GET /workspaces/${W}/approvals`]: () => approvals(canDecide, requestedBy),
    });

    it('shows until when it waits, and Approve sends the approval', async () => {
      const user = userEvent.setup();
      const { api, calls } = fakeApi({
        ...waitingRoutes(true),
        [`POST ${base}/deployments/${waitingRun.id}/approve`]: () => ({ ...waitingRun, status: 'queued' }),
      });
      renderPage(api);
      const region = await screen.findByRole('region', { name: 'Recent runs' });
      const runs = await within(region).findByRole('table');
      expect(within(runs).getByText('Awaiting approval')).toBeInTheDocument();
      const until = within(runs)
        .getByText(/Waiting for approval/)
        .closest('p') as HTMLElement;
      expect(until.querySelector('time')).toHaveAttribute('datetime', expiresAt);
      expect(within(runs).getByRole('link', { name: 'Promote #3 from staging · bob' })).toBeInTheDocument();
      const approve = await within(runs).findByRole('button', { name: 'Approve Promote #3 from staging' });
      await waitFor(() => expect(approve).toBeEnabled());
      await user.click(approve);
      await waitFor(() =>
        expect(calls).toContainEqual({
          method: 'POST',
          path: `${base}/deployments/${waitingRun.id}/approve`,
          body: {},
        }),
      );
    });

    it('rejects only with a reason', async () => {
      const user = userEvent.setup();
      const { api, calls } = fakeApi({
        ...waitingRoutes(true),
        [`POST ${base}/deployments/${waitingRun.id}/reject`]: () => ({ ...waitingRun, status: 'cancelled' }),
      });
      renderPage(api);
      await user.click(await screen.findByRole('button', { name: 'Reject Promote #3 from staging' }));
      const dialog = screen.getByRole('dialog', { name: 'Reject this run?' });
      await user.click(within(dialog).getByRole('button', { name: 'Reject' }));
      const reason = within(dialog).getByRole('textbox', { name: 'Reason' });
      expect(reason).toHaveAttribute('aria-invalid', 'true');
      expect(within(dialog).getByText(/Reason is required/)).toBeInTheDocument();
      expect(calls.some((c) => c.path.endsWith('/reject'))).toBe(false);

      await user.type(reason, 'not during the sale');
      await user.click(within(dialog).getByRole('button', { name: 'Reject' }));
      await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
      expect(calls).toContainEqual({
        method: 'POST',
        path: `${base}/deployments/${waitingRun.id}/reject`,
        body: { reason: 'not during the sale' },
      });
    });

    it('disables the decision, with the reason, when the API says the caller cannot decide', async () => {
      renderPage(fakeApi(waitingRoutes(false, 'alice')).api);
      const approve = await screen.findByRole('button', { name: 'Approve Promote #3 from staging' });
      await waitFor(() => expect(approve).toBeDisabled());
      expect(screen.getByRole('button', { name: 'Reject Promote #3 from staging' })).toBeDisabled();
      expect(approve).toHaveAccessibleDescription(
        'You requested this run: another owner of the workspace must approve or reject it.',
      );
    });

    it("shows the API's refusal when the requester approves anyway", async () => {
      const user = userEvent.setup();
      const { api } = fakeApi({
        ...waitingRoutes(true),
        [`POST ${base}/deployments/${waitingRun.id}/approve`]: () => {
          throw new ApiError(
            403,
            'approval.self_approval',
            'You requested this run; another owner of the workspace must approve it.',
          );
        },
      });
      renderPage(api);
      await user.click(await screen.findByRole('button', { name: 'Approve Promote #3 from staging' }));
      expect(await screen.findByRole('alert')).toHaveTextContent(
        'another owner of the workspace must approve it',
      );
    });
  });
});
