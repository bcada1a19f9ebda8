import { httpRoutes, wsRoutes } from '../../functions/routes.ts';
import {
  type DeliveryPort,
  type DeployProjectTask,
  deployProjectTaskPorts,
  deployProjectTasks,
} from '../../functions/sfn/definition.ts';

/**
 * What each handler module reaches in AWS, and so which settings and grants its function gets. The
 * route table and the workflow's task list say which handlers exist; this says what they touch (read
 * from the use cases and adapters they call). wharf.test.ts keeps the two in step: a new route or
 * task without an entry here fails the tests, and each function's grants are checked against it.
 */
export interface HandlerAccess {
  /** The single table (and gsi1): `read` = Get/BatchGet/Query; `readWrite` adds Put/Update/Delete/ConditionCheck. */
  table?: 'read' | 'readWrite';
  /** Project env secrets in Secrets Manager under `wharf/` (create, put, delete). */
  projectSecrets?: boolean;
  /** GetSecretValue on the GitHub webhook secret (WHARF_GITHUB_WEBHOOK_SECRET_ARN). */
  webhookSecret?: boolean;
  /** states:StartExecution on DeployProject (WHARF_STATE_MACHINE_ARN). */
  startsWorkflow?: boolean;
  /** states:DescribeExecution on DeployProject's executions (is the active run's execution alive?). */
  inspectsWorkflow?: boolean;
  /** postToConnection on the WebSocket API (WHARF_WS_ENDPOINT): run events, log lines, replies. */
  pushesToConnections?: boolean;
  /** The delivery adapters' settings (WHARF_BUILD_SERVICE, WHARF_GITOPS, WHARF_SYNC). */
  adapters?: readonly DeliveryPort[];
  /** Where apps are served and images go (WHARF_PLATFORM_DOMAIN, WHARF_IMAGE_REGISTRY, …). */
  platform?: boolean;
  /** Verifies access tokens itself (WHARF_JWT_ISSUER, WHARF_JWT_AUDIENCE, WHARF_JWKS_URI). */
  verifiesTokens?: boolean;
}

const read = { table: 'read' } as const;
const write = { table: 'readWrite' } as const;
/** Starting a run writes it, journals "queued" (pushed to watchers) and starts its execution. */
const startsRuns = { ...write, startsWorkflow: true, pushesToConnections: true } as const;
/**
 * Every workflow task resolves the run journal at cold start (it pushes status and log lines to
 * watchers) and renders with the platform settings; each reaches only its own delivery ports.
 */
const workflowTask = (task: DeployProjectTask): HandlerAccess => ({
  ...write,
  pushesToConnections: true,
  adapters: deployProjectTaskPorts[task],
  platform: true,
});

export const handlerAccess: Record<string, HandlerAccess> = {
  'http/health/get': {},
  // The first call creates the user and their personal workspace.
  'http/me/get': write,
  'http/workspaces/list': read,
  'http/workspaces/get': read,
  'http/workspaces/create': write,
  'http/workspaces/members/add': write,
  'http/workspaces/members/remove': write,
  'http/projects/list': read,
  'http/projects/get': read,
  'http/projects/create': { ...write, projectSecrets: true },
  'http/projects/update': { ...write, projectSecrets: true },
  // Removes the project's GitOps folders in one commit, then its secrets.
  'http/projects/delete': { ...write, projectSecrets: true, adapters: ['gitops'] },
  'http/deployments/list': read,
  'http/deployments/get': read,
  'http/deployments/logs': read,
  'http/deployments/create': startsRuns,
  'http/releases/list': read,
  'http/releases/rollback': startsRuns,
  // Deliveries are claimed (deduplicated) in the table before any run starts.
  'webhooks/github': { ...startsRuns, webhookSecret: true },
  [wsRoutes.authorizer]: { verifiesTokens: true },
  [wsRoutes.$connect]: write,
  [wsRoutes.$disconnect]: write,
  // Replies (pong, errors, log replay) go back through postToConnection.
  [wsRoutes.$default]: { ...write, pushesToConnections: true },
  ...Object.fromEntries(
    (Object.entries(deployProjectTasks) as Array<[DeployProjectTask, string]>).map(([task, handler]) => [
      handler,
      workflowTask(task),
    ]),
  ),
  // StartRun asks Step Functions whether the environment's active run is still executing.
  [deployProjectTasks.StartRun]: { ...workflowTask('StartRun'), inspectsWorkflow: true },
};

/** The handler modules the AWS deployment runs: every route (but local-only ones), WebSocket route and task. */
export function deployedHandlers(): string[] {
  return [
    ...httpRoutes.filter((r) => !r.localOnly).map((r) => r.handler),
    ...Object.values(wsRoutes),
    ...Object.values(deployProjectTasks),
  ];
}

export function accessOf(handler: string): HandlerAccess {
  const access = handlerAccess[handler];
  if (!access) {
    throw new Error(
      `Handler ${handler} has no entry in infra/aws/handler-access.ts: say which table access, secrets and APIs it uses`,
    );
  }
  return access;
}
