import { seg } from '../api/client.ts';

/** Every SPA URL is built here, so links and routes agree. */
export const paths = {
  home: () => '/',
  workspace: (workspaceId: string) => `/w/${seg(workspaceId)}`,
  workspaceSettings: (workspaceId: string) => `/w/${seg(workspaceId)}/settings`,
  newProject: (workspaceId: string) => `/w/${seg(workspaceId)}/projects/new`,
  project: (workspaceId: string, projectId: string) => `/w/${seg(workspaceId)}/projects/${seg(projectId)}`,
  editProject: (workspaceId: string, projectId: string) =>
    `/w/${seg(workspaceId)}/projects/${seg(projectId)}/edit`,
  run: (workspaceId: string, projectId: string, runId: string) =>
    `/w/${seg(workspaceId)}/projects/${seg(projectId)}/runs/${seg(runId)}`,
};
