import { eventRoutes, httpRoutes, wsRoutes } from '../../functions/routes.ts';
import { type DeployProjectTask, deployProjectTasks } from '../../functions/sfn/definition.ts';

/**
 * Project secrets under `wharf/`: `true` = write them (create, put, delete); `read` = GetSecretValue
 * only (revealing database credentials); `readWrite` = both (a rotation keeps the old values to put
 * back if its project write fails).
 */
export type ProjectSecretsAccess = 'read' | 'readWrite';

/** The delivery systems a function may reach: Jenkins, the GitOps repository, Argo CD. */
export type DeliveryPort = 'build' | 'gitops' | 'sync';

/**
 * The IAM grants and settings of each handler's function in AWS. The route table and the workflow's
 * task list say which handlers exist; handler-access.test.ts loads each handler and holds this entry
 * to the ports the handler's wiring made (functions/lib/wiring/), and wharf.test.ts checks each
 * function's policies against it.
 */
export interface HandlerAccess {
  /** The single table (and gsi1): `read` = Get/BatchGet/Query; `readWrite` adds Put/Update/Delete/ConditionCheck. */
  table?: 'read' | 'readWrite';
  /** Project env secrets in Secrets Manager under `wharf/` (create, put, delete). */
  projectSecrets?: boolean | ProjectSecretsAccess;
  /** GetSecretValue on the GitHub webhook secret (WHARF_GITHUB_WEBHOOK_SECRET_ARN). */
  webhookSecret?: boolean;
  /** states:StartExecution on DeployProject (WHARF_STATE_MACHINE_ARN). */
  startsWorkflow?: boolean;
  /** states:DescribeExecution on DeployProject's executions (is the active run's execution alive?). */
  inspectsWorkflow?: boolean;
  /** states:SendTaskSuccess / SendTaskFailure on DeployProject: an owner's approval or rejection. */
  resumesWorkflow?: boolean;
  /** states:StopExecution on DeployProject's executions: a user's Cancel. */
  stopsWorkflow?: boolean;
  /** postToConnection on the WebSocket API (WHARF_WS_ENDPOINT): run events, log lines, replies. */
  pushesToConnections?: boolean;
  /** The delivery adapters' settings (WHARF_BUILD_SERVICE, WHARF_GITOPS, WHARF_SYNC). */
  adapters?: readonly DeliveryPort[];
  /** Where apps are served and images go (WHARF_PLATFORM_DOMAIN, WHARF_IMAGE_REGISTRY, …). */
  platform?: boolean;
  /** Verifies access tokens itself (WHARF_JWT_ISSUER, WHARF_JWT_AUDIENCE, WHARF_JWKS_URI). */
  verifiesTokens?: boolean;
  /** s3:ListBucket on the backup bucket (WHARF_BACKUP_BUCKET), for the workspaces' prefixes only. */
  listsBackups?: boolean;
  /** The function's timeout when 10 s is not enough (at most API Gateway's 29 s for HTTP handlers). */
  timeoutSeconds?: number;
}

const read = { table: 'read' } as const;
const write = { table: 'readWrite' } as const;
/** Starting a run writes it, journals "queued" (pushed to watchers) and starts its execution. */
const startsRuns = { ...write, startsWorkflow: true, pushesToConnections: true } as const;
/** Every workflow task writes its run through the journal, which pushes status and log lines to watchers. */
const workflowTask = (adapters: readonly DeliveryPort[], more: HandlerAccess = {}): HandlerAccess => ({
  ...write,
  pushesToConnections: true,
  ...(adapters.length > 0 ? { adapters } : {}),
  ...more,
});

/** Each task's delivery systems and settings: exactly what its handler module wires. */
const workflowTasks: Record<DeployProjectTask, HandlerAccess> = {
  // Moves the run to awaiting_approval and stores the task token in the approval list.
  AwaitApproval: workflowTask([]),
  // Cancels a rejected or expired run; it never held a turn or wrote to Git.
  EndUnapprovedRun: workflowTask([]),
  // Asks Step Functions whether the environment's active run is still executing.
  StartRun: workflowTask([], { inspectsWorkflow: true }),
  TriggerBuild: workflowTask(['build'], { platform: true }),
  PollBuild: workflowTask(['build']),
  CommitDesiredState: workflowTask(['gitops'], { platform: true }),
  RequestSync: workflowTask(['sync']),
  // Reads release.json at the revision Argo CD reports; asks again for a sync that lags.
  CheckSync: workflowTask(['sync', 'gitops']),
  // The release keeps its GitOps commit links.
  RecordRelease: workflowTask(['gitops']),
  FinishRun: workflowTask([]),
  RollBackToPrevious: workflowTask(['gitops', 'sync']),
  // Cancels a build still running; puts Git back to the recorded release after a failure past the commit.
  FailRun: workflowTask(['build', 'gitops', 'sync']),
};

export const handlerAccess: Record<string, HandlerAccess> = {
  'http/health/get': {},
  'http/openapi/get': {},
  'http/openapi/docs': {},
  // The first call creates the user and their personal workspace.
  'http/me/get': write,
  'http/workspaces/list': read,
  'http/workspaces/get': read,
  // Commits the new workspace's AppProject and namespaces (bootstrap/workspaces/<id>.yaml).
  'http/workspaces/create': { ...write, adapters: ['gitops'] },
  'http/workspaces/members/add': write,
  'http/workspaces/members/remove': write,
  // Each project's answer lists its environments with their hosts (the platform domain) and live state.
  'http/projects/list': { ...read, platform: true },
  'http/projects/get': { ...read, platform: true },
  'http/projects/create': { ...write, projectSecrets: true, platform: true },
  'http/projects/update': { ...write, projectSecrets: true, platform: true },
  // Removes the project's GitOps folders in one commit, then its secrets.
  // A database's final backup first: starts production's backup Job (Argo CD) and waits for its dump.
  'http/projects/delete': {
    ...write,
    projectSecrets: true,
    platform: true,
    adapters: ['gitops', 'sync'],
    listsBackups: true,
    timeoutSeconds: 29,
  },
  // Reads the password (GetSecretValue on wharf/*) and records the read before answering.
  'http/databases/credentials': { ...write, projectSecrets: 'read' },
  'http/databases/credential-reads': read,
  // New secret versions, the project's version, then a deploy run that restarts the database.
  'http/databases/rotate': { ...startsRuns, projectSecrets: 'readWrite' },
  'http/environments/get': { ...read, platform: true },
  // Override secrets go to the secret store; a domain change claims hosts in the project's write.
  'http/environments/update': { ...write, projectSecrets: true, platform: true },
  'http/deployments/list': read,
  'http/deployments/get': read,
  'http/deployments/logs': read,
  'http/deployments/create': startsRuns,
  // Records who cancelled (journal, pushed to watchers), frees a queued run's turn, stops the execution.
  'http/deployments/cancel': { ...write, pushesToConnections: true, stopsWorkflow: true },
  // The decision is written to the run (journal, pushed to watchers), then sent to the waiting task.
  'http/approvals/approve': { ...write, pushesToConnections: true, resumesWorkflow: true },
  'http/approvals/reject': { ...write, pushesToConnections: true, resumesWorkflow: true },
  'http/approvals/list': read,
  'http/releases/list': read,
  'http/releases/rollback': startsRuns,
  // Lists the database's dumps in the backup bucket.
  'http/backups/list': { ...read, listsBackups: true },
  // Starts a Job from production's backup CronJob through Argo CD (its current release names the app).
  'http/backups/create': { ...read, adapters: ['sync'] },
  'http/promotions/create': startsRuns,
  // Renders the target's values.yaml as the promotion would commit it.
  'http/promotions/preview': { ...read, platform: true },
  'http/environments/resume-hold': write,
  // Reads the workloads of the environment's app from Argo CD's resource tree.
  'http/environments/services': { ...read, adapters: ['sync'] },
  // Deliveries are claimed (deduplicated) in the table before any run starts.
  'webhooks/github': { ...startsRuns, webhookSecret: true },
  [wsRoutes.authorizer]: { verifiesTokens: true },
  [wsRoutes.$connect]: write,
  [wsRoutes.$disconnect]: write,
  // Replies (pong, errors, log replay) go back through postToConnection.
  [wsRoutes.$default]: { ...write, pushesToConnections: true },
  // Ends the run of an execution that failed, timed out or was aborted without FailRun: what FailRun does.
  [eventRoutes.executionStatus]: workflowTask(['build', 'gitops', 'sync']),
  ...Object.fromEntries(
    (Object.entries(deployProjectTasks) as Array<[DeployProjectTask, string]>).map(([task, handler]) => [
      handler,
      workflowTasks[task],
    ]),
  ),
};

/**
 * The handler modules the AWS deployment runs: every route (but local-only ones), WebSocket route,
 * task and EventBridge rule target.
 */
export function deployedHandlers(): string[] {
  return [
    ...httpRoutes.filter((r) => !r.localOnly).map((r) => r.handler),
    ...Object.values(wsRoutes),
    ...Object.values(deployProjectTasks),
    ...Object.values(eventRoutes),
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
