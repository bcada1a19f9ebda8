import type { ApprovalList } from '@shared/api.ts';
import type { Run } from '@shared/deploy.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** Runs waiting for a workspace owner: the list, and deciding one. */
export function approvalsService(api: ApiClient) {
  const run = (w: string, p: string, runId: string) =>
    `/workspaces/${seg(w)}/projects/${seg(p)}/deployments/${seg(runId)}`;
  return {
    /** Every run of the workspace waiting for approval, each with whether the caller may decide it. */
    list: (workspaceId: string, signal?: AbortSignal) =>
      api.request<ApprovalList>('GET', `/workspaces/${seg(workspaceId)}/approvals`, signal ? { signal } : {}),

    /** The run goes back in the queue; 403 `approval.self_approval` for the requester while another owner exists. */
    approve: (workspaceId: string, projectId: string, runId: string, reason?: string) =>
      api.request<Run>('POST', `${run(workspaceId, projectId, runId)}/approve`, {
        body: reason ? { reason } : {},
      }),

    /** The run ends `cancelled` with the reason. */
    reject: (workspaceId: string, projectId: string, runId: string, reason: string) =>
      api.request<Run>('POST', `${run(workspaceId, projectId, runId)}/reject`, { body: { reason } }),
  };
}

export type ApprovalsService = ReturnType<typeof approvalsService>;

export function useApprovals(): ApprovalsService {
  const api = useApi();
  return useMemo(() => approvalsService(api), [api]);
}
