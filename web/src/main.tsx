import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client.ts';
import { App } from './app/app.tsx';
import { createUserManager } from './auth/auth.tsx';
import { loadConfig } from './config.ts';

/**
 * Boot: read /config.json, finish a sign-in redirect (/callback) or a silent renew (/silent-renew),
 * then render the app with its API client.
 */
async function boot() {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  try {
    const config = await loadConfig();
    const manager = createUserManager(config);
    const path = window.location.pathname;
    if (path === '/silent-renew') {
      await manager.signinSilentCallback();
      return;
    }
    if (path === '/callback') {
      const user = await manager.signinRedirectCallback();
      const returnTo = (user.state as { returnTo?: string } | undefined)?.returnTo;
      window.history.replaceState(
        null,
        '',
        returnTo?.startsWith('/') && returnTo !== '/callback' ? returnTo : '/',
      );
    }
    const api = createApiClient({
      apiUrl: config.apiUrl,
      token: async () => {
        const user = await manager.getUser();
        if (user && (user.expires_in ?? 0) < 30) {
          const renewed = await manager.signinSilent().catch(() => null);
          return renewed?.access_token;
        }
        return user && !user.expired ? user.access_token : undefined;
      },
      onUnauthenticated: () => void manager.removeUser(),
    });
    root.render(<App config={config} manager={manager} api={api} />);
  } catch (error) {
    root.render(
      <main className="boot-error" role="alert">
        <h1>Wharf could not start</h1>
        <p>{(error as Error).message}</p>
        <p>
          <a href="/">Try again</a>
        </p>
      </main>,
    );
  }
}

void boot();
