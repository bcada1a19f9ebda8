import { type User as OidcUser, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import type { WebConfig } from '../config.ts';

/**
 * Sign-in through the configured OIDC issuer: Authorization Code + PKCE (oidc-client-ts), silent
 * renew through /silent-renew, sign out through the issuer's end-session endpoint.
 */
export interface SignedInUser {
  id: string;
  name: string;
  username?: string | undefined;
  email?: string | undefined;
}

export interface Auth {
  user: SignedInUser | undefined;
  /** True until the stored session has been read. */
  loading: boolean;
  /** A valid access token, renewed silently when it is about to expire. */
  accessToken(): Promise<string | undefined>;
  signIn(returnTo?: string): Promise<void>;
  signOut(): Promise<void>;
}

export function createUserManager(config: WebConfig, origin = window.location.origin): UserManager {
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${origin}/callback`,
    silent_redirect_uri: `${origin}/silent-renew`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: 'openid profile email wharf',
    automaticSilentRenew: true,
    // A signed-out visit asks the issuer quietly first; don't keep the user waiting long for it.
    silentRequestTimeoutInSeconds: 5,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    ...(config.audience ? { extraQueryParams: { audience: config.audience } } : {}),
  });
}

const toUser = (user: OidcUser | null): SignedInUser | undefined =>
  user && !user.expired
    ? {
        id: user.profile.sub,
        name:
          (user.profile.name as string | undefined) ?? user.profile.preferred_username ?? user.profile.sub,
        username: user.profile.preferred_username,
        email: user.profile.email,
      }
    : undefined;

const AuthContext = createContext<Auth | undefined>(undefined);

export function AuthProvider({ manager, children }: { manager: UserManager; children: ReactNode }) {
  const [user, setUser] = useState<SignedInUser | undefined>();
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let active = true;
    // A tab without a stored session (a new tab, a link opened elsewhere) first asks the issuer
    // quietly (prompt=none in a hidden frame): a user signed in there needs no click here.
    const restore = async () => {
      const stored = await manager.getUser().catch(() => null);
      if (stored && !stored.expired) return stored;
      return manager.signinSilent().catch(() => null);
    };
    restore().then((found) => {
      if (!active) return;
      setUser(toUser(found));
      setLoading(false);
    });
    const loaded = (u: OidcUser) => setUser(toUser(u));
    const unloaded = () => setUser(undefined);
    manager.events.addUserLoaded(loaded);
    manager.events.addUserUnloaded(unloaded);
    manager.events.addUserSignedOut(unloaded);
    return () => {
      active = false;
      manager.events.removeUserLoaded(loaded);
      manager.events.removeUserUnloaded(unloaded);
      manager.events.removeUserSignedOut(unloaded);
    };
  }, [manager]);

  const auth = useMemo<Auth>(
    () => ({
      user,
      loading,
      async accessToken() {
        let current = await manager.getUser();
        if (current && (current.expires_in ?? 0) < 30) {
          current = await manager.signinSilent().catch(() => null);
        }
        return current && !current.expired ? current.access_token : undefined;
      },
      signIn: (returnTo = `${window.location.pathname}${window.location.search}`) =>
        manager.signinRedirect({ state: { returnTo } }),
      async signOut() {
        await manager.signoutRedirect().catch(async () => {
          await manager.removeUser();
          window.location.assign('/');
        });
      },
    }),
    [manager, user, loading],
  );

  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** For tests: a fixed signed-in user. */
export function StaticAuthProvider({ auth, children }: { auth: Auth; children: ReactNode }) {
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}
