import {
  type ImageRef,
  type LogLine,
  type Release,
  type Run,
  type RunEvent,
  TERMINAL_STATUSES,
} from '../deploy.ts';
import type {
  BuildProgress,
  BuildRequest,
  BuildService,
  EnvironmentHold,
  EnvironmentState,
  GitOpsChange,
  GitOpsRepository,
  OutOfSync,
  RunEventPublisher,
  RunFilter,
  RunLogStore,
  RunRepository,
  SyncApp,
  SyncService,
  SyncStatus,
  WorkflowEngine,
  WorkflowInput,
  WorkloadStatus,
} from '../deploy-ports.ts';
import { transientError } from '../errors.ts';
import type { Environment } from '../naming.ts';

/** In-memory fakes of the deploy ports, with the same conditional semantics as the DynamoDB ones. */
export class InMemoryRuns implements RunRepository {
  readonly runs = new Map<string, Run>();
  readonly envs = new Map<string, EnvironmentState>();
  readonly releases = new Map<string, Release>();

  async create(run: Run) {
    if (this.runs.has(run.id)) throw new Error('exists');
    this.runs.set(run.id, structuredClone(run));
  }
  async get(_projectId: string, runId: string) {
    const r = this.runs.get(runId);
    return r && structuredClone(r);
  }
  async find(runId: string) {
    return this.get('', runId);
  }
  /** Newest first; the cursor is the last returned run's id, set only when more match. */
  async list(
    projectId: string,
    page: { limit: number; cursor?: string | undefined },
    filter: RunFilter = {},
  ) {
    const items = [...this.runs.values()]
      .filter(
        (r) =>
          r.projectId === projectId &&
          (!page.cursor || r.id < page.cursor) &&
          (!filter.status || r.status === filter.status) &&
          (!filter.environment || r.environment === filter.environment) &&
          (!filter.trigger || r.trigger === filter.trigger),
      )
      .sort((a, b) => b.id.localeCompare(a.id));
    const shown = items.slice(0, page.limit);
    return { items: shown, nextCursor: items.length > page.limit ? shown.at(-1)?.id : undefined };
  }
  async replace(next: Run, expected: Run) {
    const current = this.runs.get(next.id);
    if (!current || current.updatedAt !== expected.updatedAt || current.status !== expected.status)
      return false;
    this.runs.set(next.id, structuredClone(next));
    return true;
  }
  async unfinished() {
    return [...this.runs.values()]
      .filter((r) => !TERMINAL_STATUSES.has(r.status))
      .map((r) => ({ projectId: r.projectId, runId: r.id }));
  }
  private env(projectId: string, environment: Environment): EnvironmentState {
    const key = `${projectId}/${environment}`;
    if (!this.envs.has(key)) this.envs.set(key, { projectId, environment, releaseCount: 0 });
    return this.envs.get(key) as EnvironmentState;
  }
  async getEnvironment(projectId: string, environment: Environment) {
    return { ...this.env(projectId, environment) };
  }
  async takeTurn(
    projectId: string,
    environment: Environment,
    runId: string,
    expectedActive: string | undefined,
  ) {
    const env = this.env(projectId, environment);
    if (env.activeRunId !== expectedActive || (env.queuedRunId && env.queuedRunId > runId)) return false;
    env.activeRunId = runId;
    delete env.queuedRunId;
    return true;
  }
  async queue(
    projectId: string,
    environment: Environment,
    runId: string,
    expectedQueued: string | undefined,
  ) {
    const env = this.env(projectId, environment);
    if (env.queuedRunId !== expectedQueued) return false;
    env.queuedRunId = runId;
    return true;
  }
  /** Which run was handed each environment's last number (the DynamoDB item keeps it the same way). */
  private readonly numberedRuns = new Map<string, string>();
  async allocateReleaseNumber(projectId: string, environment: Environment, runId: string) {
    const env = this.env(projectId, environment);
    const key = `${projectId}/${environment}`;
    if (this.numberedRuns.get(key) === runId) return env.releaseCount;
    env.releaseCount += 1;
    this.numberedRuns.set(key, runId);
    return env.releaseCount;
  }
  async releaseTurn(projectId: string, environment: Environment, runId: string) {
    const env = this.env(projectId, environment);
    if (env.activeRunId === runId) delete env.activeRunId;
  }
  async markOutOfSync(projectId: string, environment: Environment, outOfSync: OutOfSync) {
    this.env(projectId, environment).outOfSync = { ...outOfSync };
  }
  async setHold(projectId: string, environment: Environment, hold: EnvironmentHold) {
    this.env(projectId, environment).hold = { ...hold };
  }
  async clearHold(projectId: string, environment: Environment) {
    delete this.env(projectId, environment).hold;
  }
  async recordRelease(release: Release) {
    const existing = this.releases.get(release.id);
    if (existing) return existing;
    const env = this.env(release.projectId, release.environment);
    if (env.releaseCount !== release.number && env.releaseCount !== release.number - 1)
      throw new Error('number taken');
    this.releases.set(release.id, structuredClone(release));
    env.releaseCount = release.number;
    env.currentReleaseId = release.id;
    delete env.outOfSync;
    return release;
  }
  async getRelease(_projectId: string, releaseId: string) {
    return this.releases.get(releaseId);
  }
  async listReleases(projectId: string, environment: Environment, page: { limit: number }) {
    const items = [...this.releases.values()]
      .filter((r) => r.projectId === projectId && r.environment === environment)
      .sort((a, b) => b.number - a.number);
    return { items: items.slice(0, page.limit) };
  }
}

export class InMemoryRunLogs implements RunLogStore {
  readonly lines = new Map<string, LogLine[]>();
  async append(runId: string, input: Array<{ stream: LogLine['stream']; text: string; at?: string }>) {
    const list = this.lines.get(runId) ?? [];
    const stored = input.map((l, i) => ({
      seq: list.length + i + 1,
      at: l.at ?? 'now',
      stream: l.stream,
      text: l.text,
    }));
    this.lines.set(runId, [...list, ...stored]);
    return stored;
  }
  async list(runId: string, after: number, limit: number) {
    const all = (this.lines.get(runId) ?? []).filter((l) => l.seq > after);
    return { lines: all.slice(0, limit), more: all.length > limit };
  }
  text(runId: string) {
    return (this.lines.get(runId) ?? []).map((l) => l.text);
  }
}

export class RecordingPublisher implements RunEventPublisher {
  readonly events: RunEvent[] = [];
  async publish(event: RunEvent) {
    this.events.push(event);
  }
}

/** A build service whose builds end as the test says, emitting the given lines. */
export class FakeBuild implements BuildService {
  readonly started: BuildRequest[] = [];
  readonly cancelled: string[] = [];
  outcome: 'succeeded' | 'failed' | 'cancelled' = 'succeeded';
  /** Set to make every poll fail (the build service unreachable). */
  pollError?: Error | undefined;
  lines = ['step 1', 'step 2'];
  /** Microservices: every service's image, reported on success. */
  images: Record<string, ImageRef> | undefined;
  /** While true, builds stay running (to hold a run in place). */
  hold = false;
  /** What the build read of the commit it checked out (`git log -1`); unset: the SHA alone. */
  commit: { message?: string; author?: string } | undefined = {
    message: 'Fix header',
    author: 'Alice Example',
  };
  async start(request: BuildRequest) {
    if (!this.started.some((r) => r.runId === request.runId)) this.started.push(request);
    return { buildId: `b-${request.runId}` };
  }
  async poll(buildId: string, offset: string | undefined): Promise<BuildProgress> {
    if (this.pollError) throw this.pollError;
    const from = Number(offset ?? 0);
    const done = from >= this.lines.length && !this.hold;
    return {
      state: done ? this.outcome : 'running',
      phase: done ? 'push' : 'build',
      lines: this.lines.slice(from, from + 1),
      nextOffset: String(Math.min(from + 1, this.lines.length)),
      ...(done && this.outcome === 'succeeded'
        ? {
            image: { reference: `registry.test/app:${buildId}`, digest: `sha256:${'a'.repeat(64)}` },
            sourceCommit: 'c'.repeat(40),
            ...(this.commit ? { commit: { sha: 'c'.repeat(40), ...this.commit } } : {}),
            ...(this.images ? { images: this.images } : {}),
          }
        : {}),
      ...(done && this.outcome === 'failed' ? { reason: 'npm run build exited with code 1' } : {}),
      ...(done && this.outcome === 'cancelled' ? { reason: 'The build was aborted in Jenkins by bob.' } : {}),
    };
  }
  async cancel(buildId: string) {
    this.cancelled.push(buildId);
  }
}

/** A GitOps repository in memory: commits are numbered snapshots of every file. */
export class FakeGitOps implements GitOpsRepository {
  readonly commits: Array<{ id: string; files: Map<string, string>; change: GitOpsChange }> = [];
  /** Set to refuse the commits it matches (an unavailable repository). */
  refuse?: ((change: GitOpsChange) => boolean) | undefined;
  async commit(change: GitOpsChange) {
    if (this.refuse?.(change)) throw transientError('The GitOps repository is unavailable.');
    const files = new Map(this.commits.at(-1)?.files ?? []);
    for (const p of change.deletePaths ?? [])
      for (const k of [...files.keys()]) if (k === p || k.startsWith(`${p}/`)) files.delete(k);
    for (const f of change.files) files.set(f.path, f.content);
    const id = (this.commits.length + 1).toString(16).padStart(40, '0');
    this.commits.push({ id, files, change });
    return { commit: id, changed: true };
  }
  async readFile(commit: string, path: string) {
    return this.commits.find((c) => c.id === commit)?.files.get(path);
  }
  async head() {
    return this.commits.at(-1)?.id;
  }
  links() {
    return {};
  }
}

/** A sync service that reports what the test sets, at the last requested revision. */
export class FakeSync implements SyncService {
  health: SyncStatus['health'] = 'Healthy';
  sync: SyncStatus['sync'] = 'Synced';
  /** What the sync service says; when unset, a readiness failure while Degraded. */
  message: string | undefined;
  operationFailed: boolean | undefined;
  readonly requested: Array<{ app: SyncApp; revision: string }> = [];
  /** Set to report another revision (Argo CD reports the branch head it synced, not the app's commit). */
  revisionOf?: ((requested: string | undefined) => Promise<string | undefined>) | undefined;
  /** Set to make every sync request fail (Argo CD answering 401 or 5xx). */
  failRequests?: Error | undefined;
  async requestSync(app: SyncApp, revision: string) {
    if (this.failRequests) throw this.failRequests;
    this.requested.push({ app, revision });
  }
  /** The rollout's log lines (numbered from 1), served after `logAfter` as the local reconciler does. */
  readonly logLines: string[] = [];
  readonly logAfters: Array<number | undefined> = [];
  async status(app: SyncApp, options: { logAfter?: number | undefined } = {}): Promise<SyncStatus> {
    const last = this.requested.findLast((r) => r.app.name === app.name);
    this.logAfters.push(options.logAfter);
    const log =
      this.logLines.length > 0
        ? { lines: this.logLines.slice(options.logAfter ?? 0), next: this.logLines.length }
        : undefined;
    return {
      ...(log ? { log } : {}),
      revision: this.revisionOf ? await this.revisionOf(last?.revision) : last?.revision,
      sync: this.sync,
      health: this.health,
      message: this.message ?? (this.health === 'Degraded' ? 'readiness probe failed' : undefined),
      ...(this.operationFailed ? { operationFailed: true } : {}),
    };
  }
  /** What `workloads` answers, per app name; an app not listed runs nothing. */
  readonly running = new Map<string, WorkloadStatus[]>();
  readonly cronJobsRun: Array<{ app: SyncApp; cronJob: string }> = [];
  /** Set to make `runCronJob` fail (no such CronJob, Argo CD refusing the action). */
  failCronJobs?: Error | undefined;
  async workloads(app: SyncApp): Promise<WorkloadStatus[]> {
    return structuredClone(this.running.get(app.name) ?? []);
  }
  async runCronJob(app: SyncApp, cronJob: string) {
    if (this.failCronJobs) throw this.failCronJobs;
    this.cronJobsRun.push({ app, cronJob });
  }
}

export class FakeWorkflow implements WorkflowEngine {
  readonly started: WorkflowInput[] = [];
  running = new Set<string>();
  async start(input: WorkflowInput) {
    this.started.push(input);
    this.running.add(input.runId);
    return { executionArn: `arn:aws:states:local:0:execution:DeployProject:${input.runId}` };
  }
  async isRunning(executionArn: string) {
    return this.running.has(executionArn.split(':').at(-1) ?? '');
  }
  readonly taskResults: Array<
    { taskToken: string; output: unknown } | { taskToken: string; error: string; cause: string }
  > = [];
  async sendTaskSuccess(taskToken: string, output: unknown) {
    this.taskResults.push({ taskToken, output });
  }
  async sendTaskFailure(taskToken: string, error: string, cause: string) {
    this.taskResults.push({ taskToken, error, cause });
  }
  readonly stopped: Array<{ executionArn: string; error: string; cause: string }> = [];
  /** Set to make `stop` fail (Step Functions throttling or unreachable). */
  failStop?: Error | undefined;
  /** As Step Functions: stopping one that ended already is no error; it is only no longer running. */
  async stop(executionArn: string, error: string, cause: string) {
    if (this.failStop) throw this.failStop;
    this.stopped.push({ executionArn, error, cause });
    this.running.delete(executionArn.split(':').at(-1) ?? '');
  }
}
