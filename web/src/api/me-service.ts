import type { User } from '@shared/domain.ts';
import { useMemo } from 'react';
import type { ApiClient } from './client.ts';
import { useApi } from './context.tsx';
import type { WorkspaceWithRole } from './workspaces-service.ts';

/** `GET /api/me`: the caller and the workspaces they belong to (the first call creates both). */
export interface Me {
  user: User;
  workspaces: WorkspaceWithRole[];
}

export function meService(api: ApiClient) {
  return {
    get: (signal?: AbortSignal) => api.request<Me>('GET', '/me', signal ? { signal } : {}),
  };
}

export type MeService = ReturnType<typeof meService>;

export function useMeService(): MeService {
  const api = useApi();
  return useMemo(() => meService(api), [api]);
}
