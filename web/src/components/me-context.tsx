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

const LAST_WORKSPACE = 'wharf.lastWorkspace';

/** The workspace to open at `/`: the last one visited if still a member, otherwise the first. */
export function preferredWorkspaceId(me: MeView): string | undefined {
  let last: string | null = null;
  try {
    last = window.localStorage.getItem(LAST_WORKSPACE);
  } catch {
    // Storage can be disabled; the first workspace will do.
  }
  return me.workspaces.find((w) => w.id === last)?.id ?? me.workspaces[0]?.id;
}

export function rememberWorkspace(workspaceId: string) {
  try {
    window.localStorage.setItem(LAST_WORKSPACE, workspaceId);
  } catch {
    // Not remembering is fine.
  }
}
