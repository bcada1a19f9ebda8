/**
 * The HTTP route table: the local gateway serves it and the CDK stack creates API Gateway routes
 * from it, so the two cannot disagree. `handler` is the module under functions/ exporting `handler`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpRoute {
  method: HttpMethod;
  path: string;
  handler: string;
  /** `jwt`: the API's JWT authorizer; `none`: public (health; the GitHub webhook checks its own HMAC). */
  auth: 'jwt' | 'none';
  /** Only the local stack serves it (sample repositories). */
  localOnly?: boolean;
  summary: string;
}

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/api/health', handler: 'http/health/get', auth: 'none', summary: 'Liveness check' },
  // The API described (issue 16): generated from this table and the handlers' schemas (functions/openapi).
  {
    method: 'GET',
    path: '/api/openapi.json',
    handler: 'http/openapi/get',
    auth: 'none',
    summary: 'This API as an OpenAPI 3.1 document',
  },
  {
    method: 'GET',
    path: '/api/docs',
    handler: 'http/openapi/docs',
    auth: 'none',
    summary: 'This API as a reference page (HTML)',
  },
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
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/approvals',
    handler: 'http/approvals/list',
    auth: 'jwt',
    summary: 'Runs waiting for an owner’s approval, oldest first',
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
  // Database credentials (issue 15): reveal (audited), the audit, rotation.
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/credentials',
    handler: 'http/databases/credentials',
    auth: 'jwt',
    summary: "A database environment's password and connection URL (?environment=; members; audited)",
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/credentials/reads',
    handler: 'http/databases/credential-reads',
    auth: 'jwt',
    summary: "Who read a database's credentials, newest first (paged)",
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/credentials/rotate',
    handler: 'http/databases/rotate',
    auth: 'jwt',
    summary: "Rotate a database environment's password (202; restarts it when deployed)",
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}',
    handler: 'http/environments/get',
    auth: 'jwt',
    summary: 'A project environment: settings, namespace, host, live release and hold',
  },
  {
    method: 'PATCH',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}',
    handler: 'http/environments/update',
    auth: 'jwt',
    summary: "Change a project environment's settings",
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments',
    handler: 'http/deployments/list',
    auth: 'jwt',
    summary: 'Runs of a project, newest first (paged)',
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments',
    handler: 'http/deployments/create',
    auth: 'jwt',
    summary: 'Deploy (202 with the run)',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}',
    handler: 'http/deployments/get',
    auth: 'jwt',
    summary: 'A run: status, steps, execution, failure reason',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/logs',
    handler: 'http/deployments/logs',
    auth: 'jwt',
    summary: "A run's log lines after ?after=N",
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/approve',
    handler: 'http/approvals/approve',
    auth: 'jwt',
    summary: 'Approve a run waiting for approval (owner; not your own while another owner exists)',
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/reject',
    handler: 'http/approvals/reject',
    auth: 'jwt',
    summary: 'Reject a run waiting for approval, with a reason (owner): it ends cancelled',
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/cancel',
    handler: 'http/deployments/cancel',
    auth: 'jwt',
    summary:
      'Cancel a run (member; body optional: {"reason"}): it ends cancelled and the live release stays; 409 when it has ended',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/releases',
    handler: 'http/releases/list',
    auth: 'jwt',
    summary: 'Releases of an environment, newest first',
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/releases/{releaseId}/rollback',
    handler: 'http/releases/rollback',
    auth: 'jwt',
    summary: 'Roll back to a release (202 with the run)',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/backups',
    handler: 'http/backups/list',
    auth: 'jwt',
    summary: "A database's production backups, newest first",
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/backups',
    handler: 'http/backups/create',
    auth: 'jwt',
    summary: "Back a database's production up now (202; the dump shows in the list when complete)",
  },
  {
    method: 'POST',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}/promotions',
    handler: 'http/promotions/create',
    auth: 'jwt',
    summary: 'Promote a release of an earlier environment, without a build (202 with the run)',
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}/promotions/preview',
    handler: 'http/promotions/preview',
    auth: 'jwt',
    summary: 'What promoting ?releaseId= would change (image, values, env var names)',
  },
  {
    method: 'DELETE',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}/hold',
    handler: 'http/environments/resume-hold',
    auth: 'jwt',
    summary: "Resume an environment's auto-deploy after a rollback (204)",
  },
  {
    method: 'GET',
    path: '/api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}/services',
    handler: 'http/environments/services',
    auth: 'jwt',
    summary: "An environment's services as they run: replicas, images, restarts, health",
  },
  {
    method: 'GET',
    path: '/api/samples',
    handler: 'http/samples/list',
    auth: 'jwt',
    summary: 'Sample repositories',
    localOnly: true,
  },
  {
    method: 'POST',
    path: '/api/webhooks/github',
    handler: 'webhooks/github',
    auth: 'none',
    summary: 'GitHub push webhook (X-Hub-Signature-256)',
  },
];

/** The WebSocket API's routes: `$connect` is guarded by the REQUEST authorizer. */
export const wsRoutes = {
  authorizer: 'ws/authorize',
  $connect: 'ws/connect',
  $disconnect: 'ws/disconnect',
  $default: 'ws/default',
} as const;

/** Handlers of EventBridge rules: a DeployProject execution that ended without its last step. */
export const eventRoutes = {
  executionStatus: 'events/execution-status',
} as const;

/** The execution statuses the execution-status rule sends to its handler (in AWS and locally). */
export const EXECUTION_ENDED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export const routeKey = (r: Pick<HttpRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;
