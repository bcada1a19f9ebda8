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
  /** One environment's settings (overrides, domain, trigger, approval). */
  environment: (workspaceId: string, projectId: string, environment: string) =>
    `/w/${seg(workspaceId)}/projects/${seg(projectId)}/environments/${seg(environment)}`,
  run: (workspaceId: string, projectId: string, runId: string) =>
    `/w/${seg(workspaceId)}/projects/${seg(projectId)}/runs/${seg(runId)}`,
};
