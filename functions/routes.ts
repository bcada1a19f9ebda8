/**
 * The HTTP route table: the local gateway serves it and the CDK stack creates API Gateway routes
 * from it, so the two cannot disagree. `handler` is the module under functions/ exporting `handler`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpRoute {
  method: HttpMethod;
  path: string;
  handler: string;
  /** `jwt`: the API's JWT authorizer; `none`: public (health). */
  auth: 'jwt' | 'none';
  summary: string;
}

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/api/health', handler: 'http/health/get', auth: 'none', summary: 'Liveness check' },
  {
    method: 'GET',
    path: '/api/me',
    handler: 'http/me/get',
    auth: 'jwt',
    summary: 'The caller and their workspaces',
  },
  {
    method: 'GET',
    path: '/api/workspaces',
    handler: 'http/workspaces/list',
    auth: 'jwt',
    summary: 'List workspaces',
  },
  {
    method: 'POST',
    path: '/api/workspaces',
    handler: 'http/workspaces/create',
    auth: 'jwt',
    summary: 'Create a workspace',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}',
    handler: 'http/workspaces/get',
    auth: 'jwt',
    summary: 'A workspace with its namespace and members',
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/members',
    handler: 'http/workspaces/members/add',
    auth: 'jwt',
    summary: 'Add a member (owner only)',
  },
  {
    method: 'DELETE',
    path: '/api/workspaces/{workspaceId}/members/{userId}',
    handler: 'http/workspaces/members/remove',
    auth: 'jwt',
    summary: 'Remove a member (owner), or leave',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects',
    handler: 'http/projects/list',
    auth: 'jwt',
    summary: 'List projects (paged)',
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects',
    handler: 'http/projects/create',
    auth: 'jwt',
    summary: 'Create a project',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}',
    handler: 'http/projects/get',
    auth: 'jwt',
    summary: 'A project',
  },
  {
    method: 'PATCH',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}',
    handler: 'http/projects/update',
    auth: 'jwt',
    summary: 'Change a project',
  },
  {
    method: 'DELETE',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}',
    handler: 'http/projects/delete',
    auth: 'jwt',
    summary: 'Delete a project (?confirm=<name>)',
  },
];

export const routeKey = (r: Pick<HttpRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;
