import type { WorkspaceDetailView, WorkspaceView } from '@shared/api.ts';
import type { Membership } from '@shared/domain.ts';
import type { AddMemberInput, CreateWorkspaceInput } from '@shared/schemas/workspace.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** Workspaces (tenants) and their members. */
export function workspacesService(api: ApiClient) {
  const base = (workspaceId: string) => `/workspaces/${seg(workspaceId)}`;
  return {
    list: (signal?: AbortSignal) =>
      api.request<{ items: WorkspaceView[] }>('GET', '/workspaces', signal ? { signal } : {}),

    /** The caller becomes its owner. */
    create: (input: CreateWorkspaceInput) =>
      api.request<WorkspaceDetailView>('POST', '/workspaces', { body: input }),

    get: (workspaceId: string, signal?: AbortSignal) =>
      api.request<WorkspaceDetailView>('GET', base(workspaceId), signal ? { signal } : {}),

    /** Owner only; the user must have signed in once. */
    addMember: (workspaceId: string, input: AddMemberInput) =>
      api.request<Membership>('POST', `${base(workspaceId)}/members`, { body: input }),

    /** Removes a member (owner), or leaves when `userId` is the caller; the last owner stays. */
    removeMember: (workspaceId: string, userId: string) =>
      api.request<void>('DELETE', `${base(workspaceId)}/members/${seg(userId)}`),
  };
}

export type WorkspacesService = ReturnType<typeof workspacesService>;

export function useWorkspaces(): WorkspacesService {
  const api = useApi();
  return useMemo(() => workspacesService(api), [api]);
}
