import type { RunLogPage } from '@shared/api.ts';
import type { Run } from '@shared/deploy.ts';
import type { Page } from '@shared/domain.ts';
import type { DeployRequest, RunsQuery } from '@shared/schemas/deployment.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** Runs of a project: deploy, list, one run, its stored log. (The project itself: `projectsService.get`.) */
export function deploymentsService(api: ApiClient) {
  const runs = (w: string, p: string) => `/workspaces/${seg(w)}/projects/${seg(p)}/deployments`;
  return {
    /** Starts a deploy; the API answers 202 with the queued run. */
    deploy: (workspaceId: string, projectId: string, body: Partial<DeployRequest>) =>
      api.request<Run>('POST', runs(workspaceId, projectId), { body }),

    list: (
      workspaceId: string,
      projectId: string,
      page: { limit?: number; cursor?: string | undefined } & Partial<
        Omit<RunsQuery, 'limit' | 'cursor'>
      > = {},
      signal?: AbortSignal,
    ) =>
      api.request<Page<Run>>('GET', runs(workspaceId, projectId), {
        // Filters are applied by the API, so every page holds matching runs only.
        query: {
          limit: page.limit,
          cursor: page.cursor,
          status: page.status,
          environment: page.environment,
          trigger: page.trigger,
        },
        ...(signal ? { signal } : {}),
      }),

    /** Cancels a run: one not yet at work ends at once, one at work stops (the answer still shows it at work). */
    cancel: (workspaceId: string, projectId: string, runId: string, body: { reason?: string } = {}) =>
      api.request<Run>('POST', `${runs(workspaceId, projectId)}/${seg(runId)}/cancel`, { body }),

    get: (workspaceId: string, projectId: string, runId: string, signal?: AbortSignal) =>
      api.request<Run>('GET', `${runs(workspaceId, projectId)}/${seg(runId)}`, signal ? { signal } : {}),

    /** Stored log lines after `after` (one page; `more` says whether to ask again). */
    logs: (
      workspaceId: string,
      projectId: string,
      runId: string,
      page: { after: number; limit?: number },
      signal?: AbortSignal,
    ) =>
      api.request<RunLogPage>('GET', `${runs(workspaceId, projectId)}/${seg(runId)}/logs`, {
        query: { after: page.after, limit: page.limit },
        ...(signal ? { signal } : {}),
      }),
  };
}

export type DeploymentsService = ReturnType<typeof deploymentsService>;

export function useDeployments(): DeploymentsService {
  const api = useApi();
  return useMemo(() => deploymentsService(api), [api]);
}
