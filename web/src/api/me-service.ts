import type { MeView } from '@shared/api.ts';
import { useMemo } from 'react';
import type { ApiClient } from './client.ts';
import { useApi } from './context.tsx';

export function meService(api: ApiClient) {
  return {
    /** The caller and their workspaces; the first call creates both. */
    get: (signal?: AbortSignal) => api.request<MeView>('GET', '/me', signal ? { signal } : {}),
  };
}

export type MeService = ReturnType<typeof meService>;

export function useMeService(): MeService {
  const api = useApi();
  return useMemo(() => meService(api), [api]);
}
