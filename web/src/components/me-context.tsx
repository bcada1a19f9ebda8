import type { MeView } from '@shared/api.ts';
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { useMeService } from '../api/me-service.ts';
import { useResource } from './use-resource.ts';

/** The signed-in caller and their workspaces (`GET /api/me`), loaded once per session for the shell. */
export interface MeState {
  me: MeView | undefined;
  error: unknown;
  loading: boolean;
  /** After creating, joining or leaving a workspace. */
  reload(): void;
}

const MeContext = createContext<MeState | undefined>(undefined);

export function MeProvider({ children }: { children: ReactNode }) {
  const service = useMeService();
  const resource = useResource((signal) => service.get(signal), [service]);
  const { data, error, loading, reload } = resource;
  const value = useMemo<MeState>(
    () => ({ me: data, error, loading, reload }),
    [data, error, loading, reload],
  );
  return <MeContext.Provider value={value}>{children}</MeContext.Provider>;
}

export function useMe(): MeState {
  const state = useContext(MeContext);
  if (!state) throw new Error('useMe outside MeProvider');
  return state;
}

/**
 * The last workspace opened is remembered per user in this browser's localStorage (not on the
 * server): a shared browser keeps each user's own, and a new browser falls back to the personal one.
 */
const lastWorkspaceKey = (userId: string) => `wharf.lastWorkspace.${userId}`;

/**
 * The workspace to open at `/`: the last one this user opened if they are still a member, otherwise
 * their personal workspace, otherwise the first they belong to.
 */
export function preferredWorkspaceId(me: MeView): string | undefined {
  let last: string | null = null;
  try {
    last = window.localStorage.getItem(lastWorkspaceKey(me.user.id));
  } catch {
    // Storage can be disabled; the personal workspace will do.
  }
  const member = (id: string | null) => me.workspaces.find((w) => w.id === id)?.id;
  return member(last) ?? member(me.user.personalWorkspaceId) ?? me.workspaces[0]?.id;
}

export function rememberWorkspace(userId: string, workspaceId: string) {
  try {
    window.localStorage.setItem(lastWorkspaceKey(userId), workspaceId);
  } catch {
    // Not remembering is fine.
  }
}
