import type { BackupView } from '@shared/api.ts';
import type { BackupRequestView } from '@shared/use-cases/backups.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** A database project's production backups, and backing it up now. */
export function backupsService(api: ApiClient) {
  const base = (w: string, p: string) => `/workspaces/${seg(w)}/projects/${seg(p)}/backups`;
  return {
    /** Newest first. */
    list: (workspaceId: string, projectId: string, signal?: AbortSignal) =>
      api.request<{ items: BackupView[] }>('GET', base(workspaceId, projectId), signal ? { signal } : {}),

    /** Starts production's backup Job (202); the dump is listed once it is complete. */
    backUpNow: (workspaceId: string, projectId: string) =>
      api.request<BackupRequestView>('POST', base(workspaceId, projectId), { body: {} }),
  };
}

export type BackupsService = ReturnType<typeof backupsService>;

export function useBackups(): BackupsService {
  const api = useApi();
  return useMemo(() => backupsService(api), [api]);
}
