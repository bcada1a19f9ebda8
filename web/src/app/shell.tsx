import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useMatch } from 'react-router';
import { useConfig } from '../api/context.tsx';
import { type SignedInUser, useAuth } from '../auth/auth.tsx';
import { ErrorBoundary } from '../components/error-boundary.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Loading, PageLoading, Spinner } from '../components/loading.tsx';
import { MeProvider, preferredWorkspaceId, rememberWorkspace, useMe } from '../components/me-context.tsx';
import { usePageTitle } from '../components/page-title.ts';
import { WorkspaceSwitcher } from '../components/workspace-switcher.tsx';
import { CreateWorkspaceForm } from '../pages/workspaces/create-workspace-form.tsx';
import { paths } from './paths.ts';

/**
 * The layout of every page. Signed out, every URL shows the sign-in page and nothing calls the API;
 * after sign-in the issuer brings the user back to the URL they asked for. When the session goes away
 * without the user signing out (the API answered 401 and the client cleared it, or a renew failed),
 * the sign-in page says so.
 */
export function Shell() {
  const auth = useAuth();
  const [signingOut, setSigningOut] = useState(false);
  const [sessionEnded, setSessionEnded] = useState(false);
  const [previousUser, setPreviousUser] = useState(auth.user);
  if (auth.user !== previousUser) {
    setPreviousUser(auth.user);
    setSessionEnded(Boolean(previousUser && !auth.user && !signingOut));
  }

  if (auth.loading) return <PageLoading label="Reading your session…" />;
  if (!auth.user) return <SignInPage sessionEnded={sessionEnded} />;
  return (
    <MeProvider>
      <SignedInLayout
        user={auth.user}
        onSignOut={() => {
          setSigningOut(true);
          void auth.signOut();
        }}
      />
    </MeProvider>
  );
}

function SignInPage({ sessionEnded }: { sessionEnded: boolean }) {
  const { signIn } = useAuth();
  const config = useConfig();
  const [redirecting, setRedirecting] = useState(false);
  const [failure, setFailure] = useState<string>();
  usePageTitle('Sign in');

  const start = async () => {
    setFailure(undefined);
    setRedirecting(true);
    try {
      await signIn();
    } catch (error) {
      setRedirecting(false);
      setFailure(
        `The sign-in service at ${config.issuer} could not be reached (${(error as Error).message}). Check your connection and try again; if it keeps failing, tell your Wharf operator.`,
      );
    }
  };

  return (
    <main className="welcome" id="main">
      <div className="card welcome-card stack">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            W
          </span>
          Wharf
        </p>
        <h1>{sessionEnded ? 'Your session ended — sign in again' : 'Sign in to Wharf'}</h1>
        {sessionEnded && (
          <p className="callout callout-info" role="alert">
            For your security you were signed out. Sign in again to continue where you were.
          </p>
        )}
        <p>
          From a git repository to a live URL: create a project, deploy it, watch its build live, and roll
          back in seconds.
        </p>
        {config.mode === 'local' && (
          <p className="callout callout-info">
            This is the local platform: the dev accounts <strong>alice</strong>, <strong>bob</strong> and{' '}
            <strong>carol</strong> are one click away on the issuer's page — no passwords.
          </p>
        )}
        <div>
          <button type="button" className="btn btn-primary" onClick={start} disabled={redirecting}>
            {redirecting && <Spinner />}
            {redirecting ? 'Opening sign-in…' : 'Sign in'}
          </button>
        </div>
        {failure && (
          <p className="callout callout-error" role="alert">
            {failure}
          </p>
        )}
        <p className="small muted">
          You sign in with your organisation's identity provider; Wharf never sees your password.
        </p>
      </div>
    </main>
  );
}

function SignedInLayout({ user, onSignOut }: { user: SignedInUser; onSignOut: () => void }) {
  const { me, error, reload } = useMe();
  const location = useLocation();
  const workspaceId = useMatch('/w/:workspaceId/*')?.params.workspaceId;
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  const userId = me?.user.id;
  useEffect(() => {
    if (workspaceId && userId) rememberWorkspace(userId, workspaceId);
  }, [workspaceId, userId]);

  // A new page: move focus to it, so keyboard and screen-reader users start at its content.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <Link to={paths.home()} className="brand">
            <span className="brand-mark" aria-hidden="true">
              W
            </span>
            Wharf
          </Link>
          {me && <WorkspaceSwitcher workspaces={me.workspaces} currentId={workspaceId} />}
          {workspaceId && (
            <nav aria-label="Workspace" className="app-nav">
              <NavLink end to={paths.workspace(workspaceId)}>
                Projects
              </NavLink>
              <NavLink to={paths.workspaceSettings(workspaceId)}>Settings</NavLink>
            </nav>
          )}
          <div className="app-user">
            <span className="app-user-name truncate small" title={user.email ?? user.username ?? user.id}>
              <span className="visually-hidden">Signed in as </span>
              {user.name}
            </span>
            <button type="button" className="btn btn-sm" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="app-main">
        {error !== undefined && (
          <ErrorMessage title="Your workspaces could not be loaded" error={error} onRetry={reload} />
        )}
        <ErrorBoundary resetKey={location.pathname}>
          <Outlet />
        </ErrorBoundary>
      </main>
    </>
  );
}

/** `/`: opens the user's last visited workspace, else their personal one; with none, offers to create one. */
export function HomeRedirect() {
  const { me, error } = useMe();
  usePageTitle('Your workspaces');
  if (!me) return error === undefined ? <Loading label="Opening your workspace…" /> : null;
  const workspaceId = preferredWorkspaceId(me);
  if (workspaceId) return <Navigate replace to={paths.workspace(workspaceId)} />;
  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <h1>Create your first workspace</h1>
          <p className="muted">A workspace holds your projects and the people who deploy them.</p>
        </div>
      </div>
      <div className="card">
        <CreateWorkspaceForm />
      </div>
    </div>
  );
}

export function NotFoundPage() {
  const { pathname } = useLocation();
  usePageTitle('Page not found');
  return (
    <div className="empty-state">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <span className="code">{pathname}</span>. The link may be old, or the page has moved.
      </p>
      <Link className="btn btn-primary" to={paths.home()}>
        Go to your workspaces
      </Link>
    </div>
  );
}
