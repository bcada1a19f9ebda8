import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { vi } from 'vitest';
import { type ApiClient, ApiError } from '../api/client.ts';
import { ServicesProvider } from '../api/context.tsx';
import { type Auth, StaticAuthProvider } from '../auth/auth.tsx';
import { MeProvider } from '../components/me-context.tsx';
import type { WebConfig } from '../config.ts';

/**
 * Test harness for pages and components: a fake ApiClient answering from a table of
 * `"METHOD /path"` → value or function, a fixed config and user, a MemoryRouter.
 */
export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
  query: Record<string, string | number | undefined> | undefined;
}
export type FakeAnswer = unknown | ((request: FakeRequest) => unknown);

export function fakeApi(routes: Record<string, FakeAnswer>) {
  const calls: FakeRequest[] = [];
  const api: ApiClient = {
    async request<T>(
      method: string,
      path: string,
      options: { body?: unknown; query?: FakeRequest['query'] } = {},
    ) {
      const request = { method, path, body: options.body, query: options.query };
      calls.push(request);
      const key = `${method} ${path}`;
      if (!(key in routes)) throw new ApiError(404, 'test.no_route', `No fake answer for ${key}`);
      const answer = routes[key];
      return (typeof answer === 'function' ? await answer(request) : structuredClone(answer)) as T;
    },
  };
  /** The calls other than the `GET /me` the shell context makes. */
  const sent = () => calls.filter((c) => !(c.method === 'GET' && c.path === '/me'));
  return { api, calls, sent };
}

export const testConfig = (overrides: Partial<WebConfig> = {}): WebConfig => ({
  issuer: 'http://localhost:8080/oidc',
  clientId: 'wharf-web',
  apiUrl: '/api',
  webSocketUrl: '/ws',
  mode: 'local',
  webhookUrl: 'http://localhost:8080/api/webhooks/github',
  ...overrides,
});

export const signedIn = (overrides: Partial<Auth> = {}): Auth => ({
  user: { id: 'alice', name: 'Alice', username: 'alice' },
  loading: false,
  accessToken: async () => 'token',
  signIn: vi.fn(async () => {}),
  signOut: vi.fn(async () => {}),
  ...overrides,
});

export const ME = {
  user: {
    id: 'alice',
    username: 'alice',
    personalWorkspaceId: 'walice01',
    createdAt: '2025-01-01T00:00:00Z',
  },
  workspaces: [
    {
      id: 'walice01',
      name: 'alice',
      namespace: 'alice-walice01',
      personal: true,
      createdBy: 'alice',
      createdAt: '2025-01-01T00:00:00Z',
      role: 'owner',
    },
  ],
};

/** Shows the current URL, so a test can assert where a page navigated. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

export function renderPage(
  element: ReactElement,
  {
    routes = {},
    config = testConfig(),
    auth = signedIn(),
    path = '/',
    url = path,
    withMe = true,
  }: {
    routes?: Record<string, FakeAnswer>;
    config?: WebConfig;
    auth?: Auth;
    /** The route pattern the element is mounted at, e.g. `/w/:workspaceId`. */
    path?: string;
    /** The URL to open. */
    url?: string;
    withMe?: boolean;
  } = {},
) {
  const fake = fakeApi({ 'GET /me': ME, ...routes });
  const wrap = (children: ReactNode) => (withMe ? <MeProvider>{children}</MeProvider> : children);
  const result = render(
    <ServicesProvider services={{ api: fake.api, config }}>
      <StaticAuthProvider auth={auth}>
        <MemoryRouter initialEntries={[url]}>
          {wrap(
            <Routes>
              <Route path={path} element={element} />
              <Route path="*" element={null} />
            </Routes>,
          )}
          <LocationProbe />
        </MemoryRouter>
      </StaticAuthProvider>
    </ServicesProvider>,
  );
  return { ...result, ...fake };
}
