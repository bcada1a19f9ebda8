import type { ReleasePage } from '@shared/api.ts';
import type { Run } from '@shared/deploy.ts';
import type { Environment } from '@shared/naming.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** Releases of a project environment, and rolling back to one of them. */
export function releasesService(api: ApiClient) {
  const base = (w: string, p: string) => `/workspaces/${seg(w)}/projects/${seg(p)}/releases`;
  return {
    list: (
      workspaceId: string,
      projectId: string,
      query: { environment: Environment; limit?: number; cursor?: string },
      signal?: AbortSignal,
    ) =>
      api.request<ReleasePage>('GET', base(workspaceId, projectId), {
        query: { environment: query.environment, limit: query.limit, cursor: query.cursor },
        ...(signal ? { signal } : {}),
      }),

    /**
     * Commits the release's manifests again (no build) and holds the environment's auto-deploy;
     * 202 with the rollback run. The reason, when given, is recorded in the release and the commit.
     */
    rollback: (workspaceId: string, projectId: string, releaseId: string, reason?: string) =>
      api.request<Run>(
        'POST',
        `${base(workspaceId, projectId)}/${seg(releaseId)}/rollback`,
        reason ? { body: { reason } } : {},
      ),
  };
}

export type ReleasesService = ReturnType<typeof releasesService>;

export function useReleases(): ReleasesService {
  const api = useApi();
  return useMemo(() => releasesService(api), [api]);
}
