import type { EnvVarView, Page, Project } from '@shared/domain.ts';
import type { CreateProjectInput, UpdateProjectInput } from '@shared/schemas/project.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/**
 * A project as the API returns it: secret env values are write-only (`{ name, secret, set }`).
 * (Distributed over the project types, so narrowing on `type` keeps each type's fields.)
 */
type ViewOf<P> = P extends Project ? Omit<P, 'env'> & { env: EnvVarView[] } : never;
export type ProjectDetail = ViewOf<Project> & { namespaces?: Record<string, string> };

/** Projects of a workspace: list, read, create, change, delete. */
export function projectsService(api: ApiClient) {
  const list = (workspaceId: string) => `/workspaces/${seg(workspaceId)}/projects`;
  const one = (workspaceId: string, projectId: string) => `${list(workspaceId)}/${seg(projectId)}`;
  return {
    list: (
      workspaceId: string,
      page: { limit?: number; cursor?: string | undefined } = {},
      signal?: AbortSignal,
    ) =>
      api.request<Page<ProjectDetail>>('GET', list(workspaceId), {
        query: { limit: page.limit, cursor: page.cursor },
        ...(signal ? { signal } : {}),
      }),

    get: (workspaceId: string, projectId: string, signal?: AbortSignal) =>
      api.request<ProjectDetail>('GET', one(workspaceId, projectId), signal ? { signal } : {}),

    create: (workspaceId: string, input: CreateProjectInput) =>
      api.request<ProjectDetail>('POST', list(workspaceId), { body: input }),

    /** Only the fields sent change; a secret sent without a value keeps its stored value. */
    update: (workspaceId: string, projectId: string, changes: UpdateProjectInput[keyof UpdateProjectInput]) =>
      api.request<ProjectDetail>('PATCH', one(workspaceId, projectId), { body: changes }),

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
