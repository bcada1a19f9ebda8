import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ServicesProvider } from '../api/context.tsx';
import { type Auth, StaticAuthProvider } from '../auth/auth.tsx';
import type { WebConfig } from '../config.ts';
import { fakeApi, ME, signedIn, testConfig } from '../testing/harness.tsx';
import { HomeRedirect, NotFoundPage, Shell } from './shell.tsx';

function Crash(): never {
  throw new Error('boom');
}

function tree(auth: Auth, api: ReturnType<typeof fakeApi>['api'], config: WebConfig, url: string) {
  return (
    <ServicesProvider services={{ api, config }}>
      <StaticAuthProvider auth={auth}>
        <MemoryRouter initialEntries={[url]}>
          <Routes>
            <Route element={<Shell />}>
              <Route index element={<HomeRedirect />} />
              <Route path="w/:workspaceId" element={<h1>Workspace page</h1>} />
              <Route path="w/:workspaceId/crash" element={<Crash />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </MemoryRouter>
      </StaticAuthProvider>
    </ServicesProvider>
  );
}

function open({ auth = signedIn(), config = testConfig(), url = '/', me = ME as unknown } = {}) {
  const fake = fakeApi({ 'GET /me': me });
  const result = render(tree(auth, fake.api, config, url));
  return {
    ...result,
    ...fake,
    user: userEvent.setup(),
    rerenderWith: (next: Auth) => result.rerender(tree(next, fake.api, config, url)),
  };
}

const signedOut = (overrides: Partial<Auth> = {}) => signedIn({ user: undefined, ...overrides });

const team = (id: string, name: string) => ({ ...ME.workspaces[0], id, name, personal: false });
/** Alice belongs to two team workspaces listed before her personal one. */
const MEMBER_OF_TEAMS = {
  ...ME,
  workspaces: [team('wteam1', 'acme'), team('wteam2', 'ops'), ...ME.workspaces],
};

/** The page a workspace URL renders in these tests. */
function whereAmI() {
  return screen.findByRole('heading', { name: 'Workspace page' });
}

describe('Shell: where `/` lands', () => {
  beforeEach(() => window.localStorage.clear());

  it("opens the user's personal workspace, not the first of the list, when none was opened before", async () => {
    open({ me: MEMBER_OF_TEAMS });
    await whereAmI();
    expect(screen.getByRole('button', { name: /Workspace: alice/ })).toBeInTheDocument();
  });

  it('opens the workspace this user opened last, and not one another user of the browser opened', async () => {
    const first = open({ me: MEMBER_OF_TEAMS, url: '/w/wteam2' });
    await whereAmI();
    first.unmount();
    // Bob, signed in later in the same browser, opens another workspace they share.
    const bob = open({ me: { ...MEMBER_OF_TEAMS, user: { ...ME.user, id: 'bob' } }, url: '/w/wteam1' });
    await whereAmI();
    bob.unmount();

    open({ me: MEMBER_OF_TEAMS });
    await whereAmI();
    expect(screen.getByRole('button', { name: /Workspace: ops/ })).toBeInTheDocument();
  });

  it('falls back to the personal workspace when the user has left the last one', async () => {
    window.localStorage.setItem('wharf.lastWorkspace.alice', 'wgone');
    open({ me: MEMBER_OF_TEAMS });
    await whereAmI();
    expect(screen.getByRole('button', { name: /Workspace: alice/ })).toBeInTheDocument();
  });
});

describe('Shell', () => {
  it('shows the sign-in page on any URL when signed out, and calls no API', async () => {
    const auth = signedOut();
    const { calls, user } = open({ auth, url: '/w/w1/settings' });
    expect(screen.getByRole('heading', { name: 'Sign in to Wharf' })).toBeInTheDocument();
    expect(screen.getByText(/are one click away on the issuer's page/)).toHaveTextContent(
      'alice, bob and carol',
    );
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(auth.signIn).toHaveBeenCalled();
    expect(calls).toEqual([]);
  });

  it('does not mention dev accounts in the cloud', () => {
    open({ auth: signedOut(), config: testConfig({ mode: 'cloud' }) });
    expect(screen.queryByText(/alice/)).toBeNull();
  });

  it('says what to do when the sign-in service cannot be reached', async () => {
    const { user } = open({
      auth: signedOut({ signIn: vi.fn(async () => Promise.reject(new Error('Failed to fetch'))) }),
    });
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/could not be reached \(Failed to fetch\)/);
  });

  it('says the session ended when it goes away without signing out (a 401)', async () => {
    const { rerenderWith } = open({ url: '/w/w1' });
    expect(await screen.findByRole('heading', { name: 'Workspace page' })).toBeInTheDocument();
    rerenderWith(signedOut());
    expect(screen.getByRole('heading', { name: 'Your session ended — sign in again' })).toBeInTheDocument();
  });

  it('does not say the session ended after signing out', async () => {
    const auth = signedIn();
    const { user, rerenderWith } = open({ auth, url: '/w/w1' });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(auth.signOut).toHaveBeenCalled();
    rerenderWith(signedOut());
    expect(screen.getByRole('heading', { name: 'Sign in to Wharf' })).toBeInTheDocument();
  });

  it('opens the first workspace at /, and names the user and workspace in the header', async () => {
    open();
    expect(await screen.findByRole('heading', { name: 'Workspace page' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Workspace: alice/ })).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    expect(screen.getByText('Alice')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Settings' })).toHaveAttribute('href', '/w/walice01/settings');
  });

  it('lists workspaces in the switcher and closes it with Escape', async () => {
    const { user } = open({ url: '/w/walice01' });
    const toggle = await screen.findByRole('button', { name: /Workspace: alice/ });
    expect(screen.queryByRole('navigation', { name: 'Your workspaces' })).toBeNull();
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('navigation', { name: 'Your workspaces' })).toHaveTextContent('alicepersonal');
    expect(screen.getByLabelText('Workspace name')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveFocus();
    expect(screen.queryByRole('navigation', { name: 'Your workspaces' })).toBeNull();
  });

  it('shows a not-found page for unknown URLs', async () => {
    open({ url: '/nowhere' });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your workspaces' })).toHaveAttribute('href', '/');
  });

  it('keeps the header when a page crashes', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    open({ url: '/w/w1/crash' });
    expect(await screen.findByRole('heading', { name: 'This page stopped working' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
    await waitFor(() => expect(spy).toHaveBeenCalled());
    spy.mockRestore();
  });
});
