import type {
  CommitInfo,
  ImageRef,
  LogLine,
  LogStream,
  Release,
  Run,
  RunEvent,
  RunStatus,
  RunTrigger,
} from './deploy.ts';
import type { Environment } from './naming.ts';
import type { ProjectType } from './schemas/project.ts';

/**
 * Ports of the deploy workflow's remote systems. Local adapters (local runner, local git repository,
 * local reconciler) and production ones (Jenkins, GitHub, Argo CD) implement the same interfaces.
 */

export interface BuildRequest {
  runId: string;
  workspaceId: string;
  projectId: string;
  projectName: string;
  environment: Environment;
  projectType: Exclude<ProjectType, 'database'>;
  repository: { url: string; branch: string };
  /** Build exactly this commit; otherwise the branch head. */
  commit?: string | undefined;
  /** Where the image goes, without tag: e.g. harbor.example.com/wharf/<workspace>/<project>. */
  imageRepository: string;
  /** Microservices: one image per service, built from its folder. */
  services?: Array<{ name: string; path: string; port: number }> | undefined;
  /** The app's port (monolith), so a generated Dockerfile can EXPOSE it. */
  port?: number | undefined;
}

export type BuildState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * Why a build failed, for a hint that fits: the repository could not be read (`source`), its branch
 * is missing (`branch`), the user's command failed (`command`), or the platform did (`platform`:
 * registry down, a tool missing, out of disk — not the user's code).
 */
export type BuildFailureCause = 'source' | 'branch' | 'command' | 'platform';

export interface BuildProgress {
  state: BuildState;
  /** Build stage the user sees: `build` until the image is being pushed, then `push`. */
  phase: 'build' | 'push';
  /** Log lines produced since `offset`, in order; each line is returned exactly once across polls. */
  lines: string[];
  /** Pass back as `offset` on the next poll. */
  nextOffset: string;
  /** On success: the image (for microservices, the entry service's). */
  image?: ImageRef | undefined;
  /** On success, microservices: every service's image. */
  images?: Record<string, ImageRef> | undefined;
  /** The source commit that was built. */
  sourceCommit?: string | undefined;
  /** The built commit with its message and author (`git log -1`), when the build read them. */
  commit?: CommitInfo | undefined;
  /** On failure or cancellation: why, in words a user can act on. */
  reason?: string | undefined;
  /** On failure: what kind of failure it was, when the build service can tell. */
  cause?: BuildFailureCause | undefined;
}

export interface BuildService {
  /** Starts a build for a run. Idempotent per run id: a second call returns the same build. */
  start(request: BuildRequest): Promise<{ buildId: string }>;
  poll(buildId: string, offset: string | undefined): Promise<BuildProgress>;
  cancel(buildId: string): Promise<void>;
}

export interface GitOpsFile {
  path: string;
  content: string;
}

export interface GitOpsChange {
  message: string;
  author: { name: string; email: string };
  files: GitOpsFile[];
  /** Folders or files to remove in the same commit (deleting a project). */
  deletePaths?: string[] | undefined;
}

export interface GitOpsRepository {
  /**
   * Writes the change as one atomic commit on the tracked branch. Concurrent writers are serialized
   * and a moved head is retried. When nothing would change, no commit is made and the head is returned.
   */
  commit(change: GitOpsChange): Promise<{ commit: string; changed: boolean }>;
  /** A file's content at a commit, or undefined when absent. */
  readFile(commit: string, path: string): Promise<string | undefined>;
  head(): Promise<string | undefined>;
  /** Links for the UI where the repository has a web view (none locally). */
  links(commit: string): { commitUrl?: string | undefined; diffUrl?: string | undefined };
}

/**
 * A GitOps repository that can write several changes as one commit (the distributed commit queue
 * hands it whatever changes are waiting). Results are per change, in order: a change the repository
 * refuses fails alone.
 */
export interface BatchingGitOpsRepository extends GitOpsRepository {
  commitMany(
    changes: GitOpsChange[],
  ): Promise<Array<PromiseSettledResult<{ commit: string; changed: boolean }>>>;
}

export interface SyncApp {
  /** The Argo CD application name, from release.json. */
  name: string;
  /** The app's folder in the GitOps repository. */
  path: string;
  namespace: string;
}

export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export interface SyncStatus {
  /** The commit the app is synced to. */
  revision?: string | undefined;
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  health: HealthStatus;
  /** The syncing system's own words, shown to the user on failure. */
  message?: string | undefined;
  /** The last sync operation failed (Argo CD `operationState.phase` Failed/Error). */
  operationFailed?: boolean | undefined;
  /**
   * What the rollout printed since `logAfter` (the local reconciler: probe answers, a countdown, the
   * app's own output), for the run log; `next` is the `logAfter` of the next call. Argo CD has none.
   */
  log?: { lines: string[]; next: number } | undefined;
}

/** One Deployment or StatefulSet of an app, as it runs now. */
export interface WorkloadStatus {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  /** Its `app.kubernetes.io/component` label: the microservice's name, when it is one. */
  component?: string | undefined;
  replicas: number;
  readyReplicas: number;
  restarts: number;
  images: string[];
  health: HealthStatus;
  /** Local platform only: the loopback ports its containers' ports are published on now. */
  local?: Array<{ containerPort: number; host: string; port: number }> | undefined;
}

export interface SyncService {
  /** Asks for the app to be synced to `revision` (refresh; sync when automated sync is off). */
  requestSync(app: SyncApp, revision: string): Promise<void>;
  /** `logAfter`: the `log.next` of the previous call for this run; without it, the log of the latest sync. */
  status(app: SyncApp, options?: { logAfter?: number | undefined }): Promise<SyncStatus>;
  /**
   * The app's workloads as they run (Argo CD's resource tree; the local reconciler's pods); empty
   * when the app runs nothing yet.
   */
  workloads(app: SyncApp): Promise<WorkloadStatus[]>;
  /**
   * Starts a Job from one of the app's CronJobs now (Argo CD's `create-job` resource action; the local
   * reconciler runs it), e.g. a database backup. Resolves when the Job is created, not finished.
   */
  runCronJob(app: SyncApp, cronJob: string): Promise<void>;
}

// ---- Control-plane storage and plumbing for runs ----------------------------------------------

/** Per project environment: who holds the deploy turn, who waits, and the release counter. */
export interface EnvironmentState {
  projectId: string;
  environment: Environment;
  activeRunId?: string | undefined;
  queuedRunId?: string | undefined;
  /**
   * The last release number handed out (by `allocateReleaseNumber`), recorded or not: a run that
   * committed release N and then failed leaves N used, so a number is never shown for two releases.
   */
  releaseCount: number;
  currentReleaseId?: string | undefined;
  /**
   * Set when a run failed after its GitOps commit and even restoring the previous desired state
   * could not be written: Git names another release than the recorded one. The next recorded
   * release clears it.
   */
  outOfSync?: OutOfSync | undefined;
  /**
   * Set when the environment was rolled back: auto-deploy (push and tag triggers) leaves it alone
   * until a user resumes it (`DELETE …/environments/{env}/hold`). Manual deploys still go.
   */
  hold?: EnvironmentHold | undefined;
}

export interface EnvironmentHold {
  /** Who rolled back (user id), when, by which run, to which release, and why. */
  by: string;
  at: string;
  runId: string;
  releaseId?: string | undefined;
  reason?: string | undefined;
}

export interface OutOfSync {
  /** Why Git and the record differ, in words a user reads. */
  cause: string;
  /** The run whose commit is still in Git. */
  runId: string;
  at: string;
}

/** Which runs a history list shows: every field set must match. */
export interface RunFilter {
  status?: RunStatus | undefined;
  environment?: Environment | undefined;
  trigger?: RunTrigger | undefined;
}

/** Runs: one per execution of the DeployProject workflow. */
export interface RunRepository {
  create(run: Run): Promise<void>;
  get(projectId: string, runId: string): Promise<Run | undefined>;
  /** By id alone (WebSocket subscriptions); eventually consistent. */
  find(runId: string): Promise<Run | undefined>;
  /**
   * Newest first, only the runs matching `filter`. `nextCursor` is set only when more matching runs may
   * follow: a page that ends exactly at the last run has none. A page may hold fewer than `limit` runs
   * and still a cursor (the store stopped reading for this request); following it is always correct.
   */
  list(
    projectId: string,
    page: { limit: number; cursor?: string | undefined },
    filter?: RunFilter,
  ): Promise<{ items: Run[]; nextCursor?: string | undefined }>;
  /**
   * Writes `next` if the stored run still has `expected.updatedAt` (optimistic concurrency); returns
   * false when another writer got there first, so the caller re-reads and decides again.
   */
  replace(next: Run, expected: Run): Promise<boolean>;
  /** The runs that have not ended yet, by key: for the start-up sweep (no request path lists them). */
  unfinished(): Promise<Array<{ projectId: string; runId: string }>>;
}

/** Each project environment's deploy turn: one active run at a time, one waiting behind it. */
export interface DeployTurnRepository {
  /** The environment's state: its turn, its release counter and current release. */
  getEnvironment(projectId: string, environment: Environment): Promise<EnvironmentState>;
  /** Sets `activeRunId` (and clears `queuedRunId` if it is this run) if the active holder is still `expectedActive`. */
  takeTurn(
    projectId: string,
    environment: Environment,
    runId: string,
    expectedActive: string | undefined,
  ): Promise<boolean>;
  /** Puts `runId` in the queue slot if it still holds `expectedQueued`. */
  queue(
    projectId: string,
    environment: Environment,
    runId: string,
    expectedQueued: string | undefined,
  ): Promise<boolean>;
  /**
   * Hands `runId` the environment's next release number (the counter goes up by one), or the number it
   * was handed already: a retried CommitDesiredState gets the same number, and nobody else ever does.
   */
  allocateReleaseNumber(projectId: string, environment: Environment, runId: string): Promise<number>;
  /** Frees the turn if `runId` holds it. */
  releaseTurn(projectId: string, environment: Environment, runId: string): Promise<void>;
  /** Flags the environment: its desired state in Git is not the recorded release (see `OutOfSync`). */
  markOutOfSync(projectId: string, environment: Environment, outOfSync: OutOfSync): Promise<void>;
  /** Puts a hold on the environment's auto-deploy (a rollback); replaces an older hold. */
  setHold(projectId: string, environment: Environment, hold: EnvironmentHold): Promise<void>;
  /** Resumes auto-deploy; a no-op when there is no hold. */
  clearHold(projectId: string, environment: Environment): Promise<void>;
}

/** Releases: immutable, numbered per project environment. */
export interface ReleaseRepository {
  /**
   * Records a release as the environment's current one; its number was allocated before
   * (`allocateReleaseNumber`), or is the one after the counter, which then moves to it. A retry of the
   * same release is a no-op.
   */
  recordRelease(release: Release): Promise<Release>;
  getRelease(projectId: string, releaseId: string): Promise<Release | undefined>;
  listReleases(
    projectId: string,
    environment: Environment,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ items: Release[]; nextCursor?: string | undefined }>;
}

export interface RunLogStore {
  /** Stores lines in order with per-run sequence numbers (one batch = one write), returning them numbered. */
  append(runId: string, lines: Array<{ stream: LogStream; text: string; at?: string }>): Promise<LogLine[]>;
  /** Lines with seq > after, in order. */
  list(runId: string, after: number, limit: number): Promise<{ lines: LogLine[]; more: boolean }>;
}

/** Pushes run events to whoever watches (WebSocket connections). Best effort: never fails the caller. */
export interface RunEventPublisher {
  publish(event: RunEvent, audience: { runId: string; workspaceId: string }): Promise<void>;
}

export interface WorkflowInput {
  runId: string;
  workspaceId: string;
  projectId: string;
  environment: Environment;
  kind: Run['kind'];
  /** Rollbacks: the release to restore. Promotions: the source release. */
  releaseId?: string | undefined;
  /** Whether the run waits for an owner's approval before taking its turn. */
  requiresApproval?: boolean | undefined;
  commit?: string | undefined;
}

export interface WorkflowEngine {
  /** Starts the DeployProject execution named after the run; returns its ARN. Idempotent per run id. */
  start(input: WorkflowInput): Promise<{ executionArn: string }>;
  /** Resumes a task waiting on `taskToken` (SendTaskSuccess): an approval. */
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  /** Fails a task waiting on `taskToken` (SendTaskFailure): a rejection. */
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  /** Whether an execution is still running (to recover a turn held by a run whose execution died). */
  isRunning(executionArn: string): Promise<boolean>;
  /**
   * Stops a running execution (StopExecution with `error`/`cause`): a user's cancel. Resolves when the
   * engine accepted it; stopping one that already ended is not an error.
   */
  stop(executionArn: string, error: string, cause: string): Promise<void>;
}

/** A run waiting for an owner's approval, as the workspace's approval list shows it. */
export interface PendingApproval {
  workspaceId: string;
  projectId: string;
  projectName: string;
  environment: Environment;
  runId: string;
  kind: Run['kind'];
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** Promotions: the source release. */
  promotedFrom?: Run['promotedFrom'];
}

/** Runs waiting for approval, per workspace, with the task token that resumes each (never shown). */
export interface ApprovalRepository {
  open(approval: PendingApproval, taskToken: string): Promise<void>;
  get(workspaceId: string, runId: string): Promise<(PendingApproval & { taskToken: string }) | undefined>;
  /** Removes the entry; true only for the one caller that removed it, so a run is decided once. */
  close(workspaceId: string, runId: string): Promise<boolean>;
  /** Oldest first; one query. */
  list(workspaceId: string): Promise<PendingApproval[]>;
}

export interface Connection {
  connectionId: string;
  userId: string;
  connectedAt: string;
}

/** A connection watching a run or a workspace, with the user it was opened by. */
export type Watcher = Pick<Connection, 'connectionId' | 'userId'>;

/** WebSocket connections and what each one watches (a run's log and status, a workspace's runs). */
export interface ConnectionRepository {
  save(connection: Connection): Promise<void>;
  get(connectionId: string): Promise<Connection | undefined>;
  /** Removes the connection and everything it watches. */
  remove(connectionId: string): Promise<void>;
  watch(watcher: Watcher, target: { runId: string } | { workspaceId: string }): Promise<void>;
  watchers(target: { runId: string } | { workspaceId: string }): Promise<Watcher[]>;
}

/** The messages channel to one connection; `false` when the connection is gone. */
export interface ConnectionMessenger {
  send(connectionId: string, message: unknown): Promise<boolean>;
}

export interface WebhookDeliveries {
  /** True the first time a delivery id is seen (kept for a day), false for a redelivery. */
  claim(deliveryId: string): Promise<boolean>;
}
