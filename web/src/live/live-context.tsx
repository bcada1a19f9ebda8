import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { useConfig } from '../api/context.tsx';
import { useAuth } from '../auth/auth.tsx';
import { webSocketUrl } from '../config.ts';
import {
  LiveClient,
  type LiveState,
  type RunChangeEvent,
  type RunHandlers,
  type SocketFactory,
} from './live-client.ts';

export type { LiveError, LiveState, RunChangeEvent, RunHandlers, RunStatusEvent } from './live-client.ts';

/** What pages use of the live channel: one shared socket per tab behind it. */
export interface Live {
  watchWorkspace(workspaceId: string, onEvent: (event: RunChangeEvent) => void): () => void;
  subscribeRun(runId: string, after: number, handlers: RunHandlers): () => void;
  state: LiveState;
}

const LiveContext = createContext<Live | undefined>(undefined);

/**
 * Owns the tab's live client. The socket opens on the first subscription, only while someone is
 * signed in, with a fresh access token on every (re)connect; it closes when nothing uses it.
 */
export function LiveProvider({
  children,
  createSocket,
}: {
  children: ReactNode;
  createSocket?: SocketFactory;
}) {
  const config = useConfig();
  const auth = useAuth();
  const authRef = useRef(auth);
  authRef.current = auth;

  const [client] = useState(
    () =>
      new LiveClient({
        async url() {
          const token = await authRef.current.accessToken();
          return token ? `${webSocketUrl(config)}?token=${encodeURIComponent(token)}` : undefined;
        },
        ...(createSocket ? { createSocket } : {}),
      }),
  );

  const signedIn = Boolean(auth.user);
  // A layout effect: it runs before the pages' (passive) subscribe effects on the first render.
  useLayoutEffect(() => client.setEnabled(signedIn), [client, signedIn]);
  useEffect(() => () => client.dispose(), [client]);

  const state = useSyncExternalStore(
    (onChange) => client.onStateChange(onChange),
    () => client.state,
  );

  // The functions stay the same across state changes, so effects that depend on them don't resubscribe.
  const actions = useMemo<Omit<Live, 'state'>>(
    () => ({
      watchWorkspace: (workspaceId, onEvent) => client.watchWorkspace(workspaceId, onEvent),
      subscribeRun: (runId, after, handlers) => client.subscribeRun(runId, after, handlers),
    }),
    [client],
  );
  const live = useMemo<Live>(() => ({ ...actions, state }), [actions, state]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}

/** For tests: a fixed live channel. */
export function StaticLiveProvider({ live, children }: { live: Live; children: ReactNode }) {
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}
