import type { EnvironmentView, ServiceStatusView } from '@shared/api.ts';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ApiClient, ApiError } from '../../api/client.ts';
import { ServicesProvider } from '../../api/context.tsx';
import { type Auth, StaticAuthProvider } from '../../auth/auth.tsx';
import type { WebConfig } from '../../config.ts';
import { type Live, type RunChangeEvent, StaticLiveProvider } from '../../live/live-context.tsx';
import ProjectPage from './project-page.tsx';
import { SERVICES_REFRESH_MS, ServiceCards, shortImage } from './service-cards.tsx';

const W = 'wabc1234';
const P = 'pshop';
const base = `/workspaces/${W}/projects/${P}`;
const servicesPath = `${base}/environments/staging/services`;
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const stagingView: EnvironmentView = {
  name: 'staging',
  namespace: 'acme-wabc1234-staging',
  host: 'shop-wabc1234-staging.localhost',
  liveUrl: 'http://shop-wabc1234-staging.localhost:8080/',
  env: [],
  trigger: 'push',
  tagPattern: 'v*.*.*',
  requiresApproval: false,
};

const microservices = {
  id: P,
  workspaceId: W,
  name: 'shop',
  type: 'microservices',
  environments: ['staging'],
  env: [],
  repository: { url: 'https://github.com/acme/shop', branch: 'main' },
  autoDeploy: false,
  services: [
    { name: 'gateway', path: 'gateway', port: 8080, entry: true },
    { name: 'orders', path: 'orders', port: 8080, entry: false },
  ],
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 1,
  namespaces: { staging: 'acme-wabc1234-staging' },
  pipeline: [stagingView],
};

const service = (patch: Partial<ServiceStatusView>): ServiceStatusView => ({
  name: 'gateway',
  entry: true,
  url: 'http://shop-gateway.acme-wabc1234-staging.svc.cluster.local',
  images: [`registry.local/wharf/shop-gateway@${DIGEST}`],
  replicas: 2,
  readyReplicas: 2,
  restarts: 0,
  health: 'Healthy',
  ...patch,
});

function fakeApi(services: () => ServiceStatusView[], project: unknown = microservices) {
  const calls: string[] = [];
  const routes: Record<string, () => unknown> = {
    [`GET ${base}`]: () => project,
    [`GET ${base}/deployments`]: () => ({ items: [] }),
    [`GET ${base}/releases`]: () => ({ items: [] }),
    [`GET ${servicesPath}`]: () => ({ items: services() }),
  };
  const api: ApiClient = {
    async request<T>(method: string, path: string) {
      calls.push(`${method} ${path}`);
      const route = routes[`${method} ${path}`];
      if (!route) throw new ApiError(404, 'not_found', `no fake for ${method} ${path}`);
      return route() as T;
    },
  };
  return { api, loads: () => calls.filter((c) => c === `GET ${servicesPath}`).length };
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
const config = {
  issuer: 'http://x',
  clientId: 'c',
  apiUrl: '/api',
  webSocketUrl: '/ws',
  mode: 'local',
} as WebConfig;

function renderPage(api: ApiClient, live: Live) {
  return render(
    <ServicesProvider services={{ api, config }}>
      <StaticAuthProvider auth={auth}>
        <StaticLiveProvider live={live}>
          <MemoryRouter initialEntries={[`/w/${W}/projects/${P}`]}>
            <Routes>
              <Route path="/w/:workspaceId/projects/:projectId" element={<ProjectPage />} />
            </Routes>
          </MemoryRouter>
        </StaticLiveProvider>
      </StaticAuthProvider>
    </ServicesProvider>,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ServiceCards', () => {
  it('shortens an image to its name and a 12-character digest', () => {
    expect(shortImage(`registry.local/wharf/shop-gateway@${DIGEST}`)).toBe(
      'shop-gateway@sha256:0123456789ab',
    );
    expect(shortImage('postgres:16')).toBe('postgres:16');
  });

  it('shows one card per service of a microservices project: entry marked, replicas, image, restarts, health; reloads on a live run event', async () => {
    let items = [
      service({}),
      service({
        name: 'orders',
        entry: false,
        url: 'http://shop-orders.acme-wabc1234-staging.svc.cluster.local',
        images: [],
        replicas: 0,
        readyReplicas: 0,
        health: 'Missing',
      }),
    ];
    const { api, loads } = fakeApi(() => items);
    const { live, emit } = fakeLive();
    renderPage(api, live);
    const region = await screen.findByRole('region', { name: 'Services in staging' });
    const gateway = await within(region).findByRole('listitem', { name: 'Service gateway' });
    expect(within(gateway).getByText('entry')).toBeInTheDocument();
    expect(within(gateway).getByText('Healthy')).toHaveClass('badge-success');
    expect(within(gateway).getByText('2/2 ready · 0 restarts')).toBeInTheDocument();
    expect(within(gateway).getByText('shop-gateway@sha256:0123456789ab')).toBeInTheDocument();
    const orders = within(region).getByRole('listitem', { name: 'Service orders' });
    expect(within(orders).queryByText('entry')).not.toBeInTheDocument();
    expect(within(orders).getByText('Missing')).toBeInTheDocument();
    expect(within(orders).getByText('not running')).toBeInTheDocument();

    items = [service({ restarts: 1, readyReplicas: 1, health: 'Progressing' }), ...items.slice(1)];
    const before = loads();
    emit({ type: 'run', runId: 'r000000001', projectId: P, workspaceId: W, status: 'syncing' });
    await waitFor(() => expect(loads()).toBe(before + 1));
    expect(await within(region).findByText('1/2 ready · 1 restart')).toBeInTheDocument();
    emit({ type: 'run', runId: 'r000000002', projectId: 'other', workspaceId: W, status: 'syncing' });
    expect(loads()).toBe(before + 1);
  });

  it('refreshes on an interval while a service is not Healthy, and stops once all are', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let health: ServiceStatusView['health'] = 'Progressing';
    const { api, loads } = fakeApi(() => [service({ health })]);
    render(
      <ServicesProvider services={{ api, config }}>
        <ServiceCards workspaceId={W} projectId={P} environment="staging" version={0} />
      </ServicesProvider>,
    );
    expect(await screen.findByText('Progressing')).toBeInTheDocument();
    expect(loads()).toBe(1);
    health = 'Healthy';
    await act(async () => {
      await vi.advanceTimersByTimeAsync(SERVICES_REFRESH_MS);
    });
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(loads()).toBe(2);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(SERVICES_REFRESH_MS * 3);
    });
    expect(loads()).toBe(2);
  });

  it('shows no service cards for a monolith', async () => {
    const monolith = { ...microservices, type: 'monolith', port: 8080, replicas: 1, healthCheckPath: '/' };
    const { api, loads } = fakeApi(() => [service({})], monolith);
    renderPage(api, fakeLive().live);
    expect(await screen.findByRole('heading', { name: 'shop', level: 1 })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Services in staging' })).not.toBeInTheDocument();
    expect(loads()).toBe(0);
  });
});
