import type { ProjectPage, ProjectView } from '@shared/api.ts';
import type { CreateProjectInput, UpdateProjectInput } from '@shared/schemas/project.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/** Projects of a workspace: list, read, create, change, delete. */
export function projectsService(api: ApiClient) {
  const list = (workspaceId: string) => `/workspaces/${seg(workspaceId)}/projects`;
  const one = (workspaceId: string, projectId: string) => `${list(workspaceId)}/${seg(projectId)}`;
  return {
    list: (
      workspaceId: string,
      /** Newest activity first; `q` narrows to names containing it (any case). */
      page: { limit?: number; cursor?: string | undefined; q?: string | undefined } = {},
      signal?: AbortSignal,
    ) =>
      api.request<ProjectPage>('GET', list(workspaceId), {
        query: { limit: page.limit, cursor: page.cursor, q: page.q || undefined },
        ...(signal ? { signal } : {}),
      }),

    /** One project: its settings page and its deploy page both read it from here. */
    get: (workspaceId: string, projectId: string, signal?: AbortSignal) =>
      api.request<ProjectView>('GET', one(workspaceId, projectId), signal ? { signal } : {}),

    create: (workspaceId: string, input: CreateProjectInput) =>
      api.request<ProjectView>('POST', list(workspaceId), { body: input }),

    /** Only the fields sent change; a secret sent without a value keeps its stored value. */
    update: (workspaceId: string, projectId: string, changes: UpdateProjectInput[keyof UpdateProjectInput]) =>
      api.request<ProjectView>('PATCH', one(workspaceId, projectId), { body: changes }),

    /** The API deletes only when `confirm` equals the project's name. */
    remove: (workspaceId: string, projectId: string, confirm: string) =>
      api.request<void>('DELETE', one(workspaceId, projectId), { query: { confirm } }),
  };
}

export type ProjectsService = ReturnType<typeof projectsService>;

export function useProjects(): ProjectsService {
  const api = useApi();
  return useMemo(() => projectsService(api), [api]);
}
