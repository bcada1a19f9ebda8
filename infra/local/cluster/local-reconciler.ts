import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../../functions/lib/net.ts';
import type { SyncApp, SyncService, SyncStatus, WorkloadStatus } from '../../../shared/deploy-ports.ts';
import type { ReleaseIdentity } from '../../../shared/manifests/types.ts';
import { ProcessRecords } from '../process-records.ts';
import { AppInstance, describeExit } from './app-instance.ts';
import { AppOutput } from './app-output.ts';
import { GitTree, isRevision, isSafeRepoPath } from './git-tree.ts';
import { type CheckedObject, checkManifests } from './manifest-check.ts';
import { type ContainerModeOptions, PodmanCluster } from './podman/cluster.ts';
import { decideRun, ingressHosts, launchKey, launchPlan, resolveEnv } from './run-plan.ts';

export interface LocalReconcilerOptions {
  /** The bare GitOps repository. */
  repoDir: string;
  /** Built app folders by digest: `<artifactsDir>/<hex>/` for image digest `sha256:<hex>`. */
  artifactsDir: string;
  /** Where secret values live locally; an ExternalSecret's `remoteRef.key` is the ref. */
  secrets: { get(ref: string): Promise<string | undefined> };
  /** The URL a host is reached at through the local gateway, for status messages. */
  liveUrl: (host: string) => string;
  /** How long a new version has to pass its readiness probe. */
  readinessTimeoutMs?: number | undefined;
  /** When set, each app's output is also appended to `<logDir>/<appName>.log`. */
  logDir?: string | undefined;
  /** Where app processes get their working trees, outside the data folder; default the system's temporary folder. */
  workDir?: string | undefined;
  /**
   * When set, each app process is recorded here while it runs, and `start()` first stops the ones a
   * killed platform left running (see ProcessRecords).
   */
  processDir?: string | undefined;
  /**
   * Which project holds a host (the table's host claims). When set, an app is routed only the hosts
   * its project (release.json `projectId`) holds: a folder naming someone else's host is refused.
   */
  hostOwner?: ((host: string) => Promise<{ projectId: string } | undefined>) | undefined;
  /**
   * Container mode: run every app folder's objects with podman (the stack's own settings in `env`),
   * pulling images by digest from `registry` and any other reference through `resolveImage`. Without
   * it, monoliths run as processes from `artifactsDir` (process mode).
   */
  containers?: ContainerModeOptions | undefined;
}

/** The status fields the local reconciler reports (a subset of what Argo CD does). */
export type LocalSyncStatus = SyncStatus & {
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  health: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Unknown';
};

// The layout the ApplicationSet's files generator globs: apps/<workspace>/<user>/<project>/<environment>/release.json.
const APPS_ROOT = 'apps';
const RELEASE_FILE = 'release.json';
const VALUES_FILE = 'values.yaml';
const MANIFESTS_FILE = 'manifests.yaml';
const RELEASE_AT_DEPTH = /^apps\/[^/]+\/[^/]+\/[^/]+\/[^/]+\/release\.json$/;
/** An Argo CD Application name: a DNS-1123 subdomain. */
const APP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const DEFAULT_READINESS_TIMEOUT_MS = 30_000;
/** The old version keeps answering requests already routed to it for this long after the switch. */
const DRAIN_MS = 1_000;
const STOP_GRACE_MS = 5_000;
/** Lines of the app's output quoted in a Degraded message. */
const MESSAGE_LINES = 20;
/** A crashed app is restarted after 1 s, 2 s, 4 s… up to a minute; a run of 2 minutes resets the count. */
const RESTART_BASE_MS = 1_000;
const RESTART_MAX_MS = 60_000;
const STABLE_RUN_MS = 120_000;

interface AppState {
  app: SyncApp;
  /** The outcome of the last reconcile. */
  status: LocalSyncStatus;
  /** The newest revision asked for and not started yet; a newer request replaces it. */
  pending?: string | undefined;
  /** The revision being reconciled now. */
  reconciling?: string | undefined;
  working: boolean;
  worker: Promise<void>;
  /** The version serving the app's hosts. */
  current?: AppInstance | undefined;
  hosts: string[];
  output: AppOutput;
  /** The output line number when the latest reconcile started: a run's log begins after it. */
  syncStart: number;
  /** While a new version waits for readiness: the probe's latest answer, for the status message. */
  probing?: string | undefined;
  crashes: number;
  restartTimer?: NodeJS.Timeout | undefined;
  /** Container mode: the status of the serving release while it is healthy, restored when it recovers. */
  healthy?: LocalSyncStatus | undefined;
  /** Process mode: the Deployment the process runs, and how often it was restarted after a crash. */
  process?:
    | { name: string; key: string; images: string[]; containerPort: number; restarts: number }
    | undefined;
}

const short = (commit: string) => commit.slice(0, 12);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `Storefront.localhost:8080` → `storefront.localhost`; `[::1]:80` → `[::1]`. */
export function normalizeHost(host: string): string {
  const trimmed = host.trim().toLowerCase();
  const bare = trimmed.startsWith('[')
    ? trimmed.slice(0, trimmed.indexOf(']') + 1)
    : trimmed.replace(/:\d*$/, '');
  return bare.replace(/\.$/, '');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Argo CD's part on a machine without Kubernetes. For each app folder of the GitOps repository it
 * reads exactly the requested commit, validates the manifests against the Kubernetes schemas, and
 * runs what can run here: a monolith whose image digest has a locally built artifact becomes a
 * process on a loopback port, rolled out like a Deployment with maxUnavailable 0 (the old version
 * serves until the new one passes its readiness probe). Everything else is validated and reported
 * healthy without running. The gateway asks `route(host)` where a host's requests go.
 */
export class LocalReconciler implements SyncService {
  private readonly git: GitTree;
  private readonly artifactsDir: string;
  private readonly secrets: LocalReconcilerOptions['secrets'];
  private readonly liveUrl: (host: string) => string;
  private readonly readinessTimeoutMs: number;
  private readonly logDir: string | undefined;
  private readonly workDir: string | undefined;
  /** Folders of this machine that status messages never name. */
  private readonly serverDirs: string[];
  private readonly hostOwner: LocalReconcilerOptions['hostOwner'];
  private readonly apps = new Map<string, AppState>();
  /** Host → app name. */
  private readonly routes = new Map<string, string>();
  /** Every process or server started and not yet gone, whoever holds it. */
  private readonly instances = new Set<AppInstance>();
  private abort = new AbortController();
  private stopping = false;
  private logDirReady: Promise<void> | undefined;
  private readonly processes: ProcessRecords | undefined;
  private readonly cluster: PodmanCluster | undefined;

  constructor(options: LocalReconcilerOptions) {
    this.processes = options.processDir ? new ProcessRecords(options.processDir) : undefined;
    this.git = new GitTree(options.repoDir);
    this.artifactsDir = options.artifactsDir;
    this.secrets = options.secrets;
    this.liveUrl = options.liveUrl;
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
    this.logDir = options.logDir;
    this.workDir = options.workDir;
    // podman's errors may name its storage: the folder of the stack's container settings is not shown either.
    const containersDir = options.containers?.env.CONTAINERS_CONF?.replace(/\/[^/]*$/, '');
    this.serverDirs = [options.repoDir, options.artifactsDir, options.logDir, options.workDir, containersDir]
      .filter((dir): dir is string => !!dir)
      .sort((a, b) => b.length - a.length);
    this.hostOwner = options.hostOwner;
    if (options.containers) {
      // Everything this stack creates in podman starts with one prefix of its GitOps repository.
      const stack = `wf${createHash('sha256').update(options.repoDir).digest('hex').slice(0, 6)}`;
      this.cluster = new PodmanCluster(
        options.containers,
        stack,
        (name, problem) => this.healthChanged(name, problem),
        (name, line) => this.apps.get(name)?.output.line(line),
      );
    }
  }

  /** Container mode: the podman side (for tests and the stack's own checks). */
  get containerCluster(): PodmanCluster | undefined {
    return this.cluster;
  }

  /** The serving release's containers or probe went bad (`problem`), or recovered (undefined). */
  private healthChanged(name: string, problem: string | undefined): void {
    const state = this.apps.get(name);
    if (!state || state.working || !state.healthy) return;
    if (problem) {
      state.output.line(`[wharf] ${name} is Degraded: ${problem.split('\n')[0]}`);
      state.status = { ...state.healthy, health: 'Degraded', message: this.withoutPaths(problem) };
    } else {
      state.output.line(`[wharf] ${name} is Healthy again`);
      state.status = { ...state.healthy };
    }
  }
  /** A message for the status without the server's folders. */
  private withoutPaths(message: string): string {
    return this.serverDirs.reduce((text, dir) => text.split(dir).join('…'), message);
  }

  /** Reconciles the app at `revision` in the background; a request that has not started yet is replaced. */
  async requestSync(app: SyncApp, revision: string): Promise<void> {
    if (!APP_NAME.test(app.name) || app.name.length > 253) {
      throw new Error(`"${app.name}" is not an app name`);
    }
    if (!isSafeRepoPath(app.path)) {
      throw new Error(`"${app.path}" is not an app folder of the GitOps repository`);
    }
    if (!isRevision(revision)) throw new Error(`"${revision}" is not a commit id`);
    if (this.stopping) throw new Error('The local reconciler is stopped.');
    await this.ensureLogDir();
    this.enqueue(this.stateOf(app), revision);
  }

  async status(app: SyncApp, options: { logAfter?: number | undefined } = {}): Promise<LocalSyncStatus> {
    const state = this.apps.get(app.name);
    if (!state) {
      return { sync: 'Unknown', health: 'Missing', message: `${app.name} has not been synced here yet.` };
    }
    // A run's first check reads from the start of the latest sync: not an earlier release's lines.
    const since = state.output.since(Math.max(options.logAfter ?? state.syncStart, 0));
    // These lines reach the run log: the server's folders are not named there.
    const log = { next: since.next, lines: since.lines.map((line) => this.withoutPaths(line)) };
    const target = state.reconciling ?? state.pending;
    if (target !== undefined) {
      return {
        revision: state.status.revision,
        sync: 'OutOfSync',
        health: 'Progressing',
        message: `Syncing to ${short(target)}${state.probing ? `: ${state.probing}` : ''}.`,
        log,
      };
    }
    return { ...state.status, log };
  }

  /**
   * What runs for the app now. Container mode: each Deployment and StatefulSet of the serving release
   * (podman's view); process mode: the one Deployment its process runs, if any.
   */
  async workloads(app: SyncApp): Promise<WorkloadStatus[]> {
    if (this.cluster) return this.cluster.workloads(app.name);
    const state = this.apps.get(app.name);
    const process = state?.process;
    if (!state || !process) return [];
    const running = state.current?.running === true;
    return [
      {
        kind: 'Deployment',
        name: process.name,
        replicas: 1,
        readyReplicas: running ? 1 : 0,
        restarts: process.restarts,
        images: process.images,
        health: running ? 'Healthy' : state.restartTimer ? 'Degraded' : 'Missing',
        ...(running && state.current
          ? { local: [{ containerPort: process.containerPort, host: '127.0.0.1', port: state.current.port }] }
          : {}),
      },
    ];
  }

  /** Container mode: starts a run of the app's CronJob now. Processes can't run a CronJob's pod. */
  async runCronJob(app: SyncApp, cronJob: string): Promise<void> {
    if (!this.cluster) {
      throw new Error(
        `CronJob ${cronJob} of ${app.name} can't run: CronJobs need the container runtime, and the local ` +
          'platform runs apps as processes. Install podman and buildah and start it in container mode.',
      );
    }
    await this.cluster.startJob(app.name, cronJob);
  }

  /** Where the gateway sends a request for `host` (case-insensitive, any :port ignored), if anything serves it. */
  route(host: string): { port: number } | undefined {
    const name = this.routes.get(normalizeHost(host));
    if (this.cluster) {
      const port = name === undefined ? undefined : this.cluster.route(name, normalizeHost(host));
      return port === undefined ? undefined : { port };
    }
    const current = name === undefined ? undefined : this.apps.get(name)?.current;
    return current?.running ? { port: current.port } : undefined;
  }

  /** The app's recent output (process lines and the reconciler's notes), oldest first. */
  output(app: SyncApp | string): string[] {
    return this.apps.get(typeof app === 'string' ? app : app.name)?.output.lines() ?? [];
  }

  /** Resolves when no reconcile is queued or running (for one app, or for all). */
  async settled(app?: SyncApp | string): Promise<void> {
    const name = typeof app === 'string' ? app : app?.name;
    for (;;) {
      const busy = [...this.apps.values()].filter(
        (s) => s.working && (name === undefined || s.app.name === name),
      );
      if (busy.length === 0) {
        // Container mode: the pods a rollout replaced are gone too.
        await this.cluster?.idle();
        return;
      }
      await Promise.allSettled(busy.map((s) => s.worker));
    }
  }

  /**
   * Reconciles every app folder at the repository's head, so that after a restart of the local
   * platform the deployed apps come back. Resolves when each has been reconciled once.
   */
  async start(): Promise<{ apps: SyncApp[]; skipped: Array<{ path: string; reason: string }> }> {
    this.stopping = false;
    if (this.abort.signal.aborted) this.abort = new AbortController();
    await this.processes?.stopLeftovers();
    await this.ensureLogDir();
    const head = await this.git.head();
    if (!head) return { apps: [], skipped: [] };
    const files = (await this.git.listFiles(head, APPS_ROOT)).filter((path) => RELEASE_AT_DEPTH.test(path));
    const apps: SyncApp[] = [];
    const skipped: Array<{ path: string; reason: string }> = [];
    for (const file of files) {
      const path = file.slice(0, -(RELEASE_FILE.length + 1));
      const identity = await this.readIdentity(head, file);
      if (typeof identity === 'string') skipped.push({ path, reason: identity });
      else apps.push({ name: identity.appName, path, namespace: identity.namespace });
    }
    const states = apps.map((app) => this.stateOf(app));
    for (const state of states) this.enqueue(state, head);
    await Promise.allSettled(states.map((state) => state.worker));
    // Pods and volumes of apps whose folder went while the platform was down; a folder that could not
    // be read may still be an app with data, so then only pods go.
    await this.cluster?.removeOrphans(new Set(apps.map((a) => a.name)), { volumes: skipped.length === 0 });
    return { apps, skipped };
  }

  /**
   * What the ApplicationSet does when a commit removes an app's folder: the Application goes and what
   * it ran is pruned. Each app that runs (or waits to restart) and whose folder is gone at `commit`
   * (the head when not given) is reconciled there, which stops it. An app busy reconciling is looked
   * at again, at the head, once that reconcile is done.
   */
  async refresh(commit?: string): Promise<void> {
    if (this.stopping) return;
    const at = commit ?? (await this.git.head());
    if (!at) return;
    await Promise.all([...this.apps.values()].map((state) => this.pruneIfGone(state, at)));
  }

  private async pruneIfGone(state: AppState, at: string): Promise<void> {
    if (state.working) {
      await state.worker;
      const head = await this.git.head();
      if (head) await this.pruneIfGone(state, head);
      return;
    }
    const running = this.cluster ? this.cluster.runningRevision(state.app.name) !== undefined : state.current;
    if ((!running && !state.restartTimer) || this.stopping) return;
    const gone = (await this.git.listFiles(at, state.app.path)).length === 0;
    // Whatever was asked for while the folder was read is newer than `at`: that request decides.
    if (gone && !state.working && !this.stopping) this.enqueue(state, at);
  }

  /** Stops every app process (SIGTERM, SIGKILL after 5 s) and every reconcile in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    for (const state of this.apps.values()) {
      state.pending = undefined;
      clearTimeout(state.restartTimer);
      state.restartTimer = undefined;
    }
    await Promise.allSettled([...this.apps.values()].map((state) => state.worker));
    await Promise.all([...this.instances].map((instance) => instance.stop(STOP_GRACE_MS)));
    await this.cluster?.stopAll();
    this.routes.clear();
    for (const state of this.apps.values()) {
      state.current = undefined;
      state.hosts = [];
    }
    await Promise.all([...this.apps.values()].map((state) => state.output.close()));
  }

  // ---- queueing ----------------------------------------------------------------------------------

  private ensureLogDir(): Promise<void> {
    const dir = this.logDir;
    if (!dir) return Promise.resolve();
    this.logDirReady ??= mkdir(dir, { recursive: true }).then(() => undefined);
    return this.logDirReady;
  }

  private stateOf(app: SyncApp): AppState {
    const known = this.apps.get(app.name);
    if (known) {
      known.app = { ...app };
      return known;
    }
    const state: AppState = {
      app: { ...app },
      status: { sync: 'Unknown', health: 'Unknown' },
      working: false,
      worker: Promise.resolve(),
      hosts: [],
      output: new AppOutput(app.name, this.logDir),
      syncStart: 0,
      crashes: 0,
    };
    this.apps.set(app.name, state);
    return state;
  }

  private enqueue(state: AppState, revision: string): void {
    clearTimeout(state.restartTimer);
    state.restartTimer = undefined;
    if (state.working && state.reconciling === revision) {
      // Asked again for the revision being applied (the workflow re-asks while it waits, as a
      // refresh of Argo CD): that operation answers it. Replaying it would start the release a
      // second time and hide the outcome (a failed health check and its cause) behind "Progressing".
      state.pending = undefined;
      return;
    }
    state.pending = revision;
    if (state.working) return;
    state.working = true;
    // `working` is cleared in the same synchronous step as the last look at `pending`, so a request
    // can never be left behind between the loop's end and the flag.
    state.worker = (async () => {
      try {
        while (state.pending !== undefined && !this.stopping) {
          const revision = state.pending;
          state.pending = undefined;
          state.reconciling = revision;
          state.syncStart = state.output.last;
          state.probing = undefined;
          try {
            state.status = await this.reconcile(state, revision);
          } catch (error) {
            state.status = {
              revision,
              sync: 'Unknown',
              health: 'Unknown',
              operationFailed: true,
              message: `Sync failed: ${this.withoutPaths((error as Error).message)}`,
            };
          } finally {
            state.reconciling = undefined;
          }
          state.output.line(
            `[wharf] ${short(state.status.revision ?? revision)}: ${state.status.sync}/${state.status.health}`,
          );
        }
      } finally {
        state.working = false;
      }
    })();
  }

  // ---- reconciling -------------------------------------------------------------------------------

  private async readIdentity(commit: string, file: string): Promise<ReleaseIdentity | string> {
    const text = await this.git.readFile(commit, file);
    if (text === undefined) return `${file} is missing`;
    let identity: unknown;
    try {
      identity = JSON.parse(text);
    } catch (error) {
      return `${file} is not valid JSON (${(error as Error).message})`;
    }
    if (!isRecord(identity)) return `${file} is not a JSON object`;
    if (typeof identity.appName !== 'string' || !APP_NAME.test(identity.appName)) {
      return `${file} has no valid appName`;
    }
    if (typeof identity.namespace !== 'string') return `${file} has no namespace`;
    return identity as unknown as ReleaseIdentity;
  }

  private async reconcile(state: AppState, requested: string): Promise<LocalSyncStatus> {
    const { app } = state;
    const commit = await this.git.resolveCommit(requested);
    if (!commit) {
      return {
        revision: requested,
        sync: 'Unknown',
        health: 'Unknown',
        operationFailed: true,
        message: `Revision ${requested} is not in the GitOps repository.`,
      };
    }
    const at = short(commit);
    const files = await this.git.listFiles(commit, app.path);
    if (files.length === 0) {
      await this.retire(state, `${app.path} is gone at ${at}`);
      return {
        revision: commit,
        sync: 'Synced',
        health: 'Missing',
        message: `${app.path} is not in ${at}: the app was pruned.`,
      };
    }

    // Argo CD applies nothing from a folder it can't parse: whatever ran before keeps running.
    const rejected = (message: string): LocalSyncStatus => ({
      revision: commit,
      sync: 'OutOfSync',
      health: 'Degraded',
      operationFailed: true,
      message,
    });
    const [releaseText, valuesText, manifestsText] = await Promise.all(
      [RELEASE_FILE, VALUES_FILE, MANIFESTS_FILE].map((file) =>
        this.git.readFile(commit, `${app.path}/${file}`),
      ),
    );
    if (releaseText === undefined) return rejected(`${app.path}/${RELEASE_FILE} is missing at ${at}.`);
    let release: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(releaseText);
      if (!isRecord(parsed)) return rejected(`${RELEASE_FILE} is not a JSON object.`);
      release = parsed;
    } catch (error) {
      return rejected(`${RELEASE_FILE} is not valid JSON: ${(error as Error).message}`);
    }
    let values: unknown;
    if (valuesText !== undefined) {
      try {
        values = parseYaml(valuesText, { version: '1.1' });
      } catch (error) {
        return rejected(`${VALUES_FILE} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    if (manifestsText === undefined) return rejected(`${app.path}/${MANIFESTS_FILE} is missing at ${at}.`);
    const checked = checkManifests(manifestsText, app.namespace || undefined);
    if (!checked.ok) {
      state.output.line(`[wharf] ${at}: rejected: ${checked.message}`);
      return rejected(checked.message);
    }
    const projectId = typeof release.projectId === 'string' ? release.projectId : undefined;
    if (this.cluster) return this.applyContainers(state, commit, checked.objects, projectId);

    const decision = await decideRun(checked.objects, values, this.artifactsDir);
    if (!decision.run) {
      await this.retire(state, `${at} is not run locally`);
      return {
        revision: commit,
        sync: 'Synced',
        health: 'Healthy',
        message: `validated; not run locally (${decision.why})`,
      };
    }
    return this.rollOut(state, commit, decision, checked.objects, projectId);
  }

  /** Starts the new version next to the old one, switches the hosts once it is ready, then stops the old one. */
  private async rollOut(
    state: AppState,
    commit: string,
    decision: Extract<Awaited<ReturnType<typeof decideRun>>, { run: true }>,
    objects: CheckedObject[],
    projectId: string | undefined,
  ): Promise<LocalSyncStatus> {
    const { app } = state;
    const at = short(commit);
    const digest = `sha256:${decision.hex.slice(0, 12)}`;
    const degraded = (message: string, output = ''): LocalSyncStatus => ({
      revision: commit,
      sync: 'Synced',
      health: 'Degraded',
      message: `${message}${state.current?.running ? ' The previous version keeps serving.' : ''}${output}`,
    });

    const resolved = await resolveEnv(decision.container, objects, {
      namespace: app.namespace,
      podName: `${decision.deploymentName}-local`,
      secrets: this.secrets,
    });
    if (!resolved.ok) return degraded(`Can't start ${digest}: ${resolved.message}.`);
    const plan = await launchPlan(decision.artifactDir);
    if ('error' in plan) return degraded(`Can't start ${digest}: ${plan.error}.`);
    for (const host of decision.hosts) {
      const owner = this.routes.get(host);
      if (owner !== undefined && owner !== app.name)
        return degraded(`The host ${host} is already served by ${owner}.`);
    }
    const refused = await this.unclaimedHost(decision.hosts, projectId);
    if (refused) return degraded(refused);

    const key = launchKey(decision.hex, plan, resolved.env);
    const previous = state.current;
    if (previous?.running && previous.key === key) {
      this.setRoutes(state, decision.hosts);
      return {
        revision: commit,
        sync: 'Synced',
        health: 'Healthy',
        message: `${digest} (${previous.display}) is already running on 127.0.0.1:${previous.port}; nothing to restart.${this.servingNote(decision.hosts)}`,
      };
    }
    if (this.stopping) return degraded('The local reconciler is stopping.');

    const port = await freePort();
    state.output.line(`[wharf] ${at}: starting ${plan.display} of ${digest} on 127.0.0.1:${port}`);
    let instance: AppInstance;
    try {
      instance = await AppInstance.launch({
        plan,
        cwd: decision.artifactDir,
        workRoot: this.workDir,
        env: resolved.env,
        port,
        key,
        secrets: resolved.secretValues,
        onLine: (line) => state.output.line(`[:${port}] ${line}`),
      });
    } catch (error) {
      return degraded(
        `${plan.display} of ${digest} could not start: ${this.withoutPaths((error as Error).message)}.`,
      );
    }
    this.instances.add(instance);
    const { pid } = instance;
    if (pid !== undefined && plan.kind === 'command') await this.processes?.record(pid, plan.args);
    void instance.exited.then(async () => {
      this.instances.delete(instance);
      if (pid !== undefined) await this.processes?.forget(pid).catch(() => undefined);
    });

    const notReady = await instance.waitReady(
      decision.readiness,
      this.readinessTimeoutMs,
      this.abort.signal,
      (line) => {
        state.output.line(line);
        state.probing = line.replace(/^\[wharf\] /, '');
      },
    );
    state.probing = undefined;
    if (notReady !== undefined) {
      await instance.stop(STOP_GRACE_MS);
      state.output.line(`[wharf] ${at}: ${notReady}`);
      const lines = instance.tail.toArray().slice(-MESSAGE_LINES);
      const output = lines.length > 0 ? `\nLast output:\n${lines.join('\n')}` : '\nIt printed nothing.';
      return degraded(`${at}: ${notReady}.`, output);
    }

    // Ready: the hosts move to the new port first, and only then does the old version go.
    const replaced = state.current;
    state.current = instance;
    // A restart after a crash runs the same key: its count goes on; a new release starts from 0.
    state.process = {
      name: decision.deploymentName,
      key,
      images: decision.container.image ? [decision.container.image] : [],
      containerPort: decision.container.ports?.[0]?.containerPort ?? port,
      restarts: state.process?.key === key ? state.process.restarts : 0,
    };
    this.setRoutes(state, decision.hosts);
    this.watchForCrash(state, instance);
    state.output.line(`[wharf] ${at}: ready on 127.0.0.1:${port}`);
    if (replaced) {
      void sleep(DRAIN_MS).then(() => replaced.stop(STOP_GRACE_MS));
    }
    return {
      revision: commit,
      sync: 'Synced',
      health: 'Healthy',
      message: `Running ${digest} (${plan.display}) on 127.0.0.1:${port}.${this.servingNote(decision.hosts)}`,
    };
  }

  /** Container mode: podman runs the objects; the hosts move once the new pods are ready. */
  private async applyContainers(
    state: AppState,
    commit: string,
    objects: CheckedObject[],
    projectId: string | undefined,
  ): Promise<LocalSyncStatus> {
    const cluster = this.cluster as PodmanCluster;
    const { app } = state;
    const serving = cluster.runningRevision(app.name) !== undefined;
    const degraded = (message: string): LocalSyncStatus => ({
      revision: commit,
      sync: 'Synced',
      health: 'Degraded',
      message: this.withoutPaths(
        serving ? message.replace(/(\.?)(\n|$)/, '$1 The previous version keeps serving.$2') : message,
      ),
    });
    const hosts = ingressHosts(objects);
    for (const host of hosts) {
      const owner = this.routes.get(host);
      if (owner !== undefined && owner !== app.name)
        return degraded(`The host ${host} is already served by ${owner}.`);
    }
    const refused = await this.unclaimedHost(hosts, projectId);
    if (refused) return degraded(refused);
    if (this.stopping) return degraded('The local reconciler is stopping.');
    const result = await cluster.apply({
      app: app.name,
      namespace: app.namespace,
      commit,
      objects,
      secrets: this.secrets,
      log: (line) => state.output.line(line),
      signal: this.abort.signal,
      readinessTimeoutMs: this.readinessTimeoutMs,
    });
    const notes = result.notes.length ? `\nNot run as on a cluster:\n${result.notes.join('\n')}` : '';
    if (!result.ok) {
      state.output.line(`[wharf] ${result.message.split('\n')[0]}`);
      return degraded(`${result.message}${notes}`);
    }
    this.setRoutes(state, result.hosts);
    state.healthy = {
      revision: commit,
      sync: 'Synced',
      health: 'Healthy',
      message: this.withoutPaths(`${result.message}${this.servingNote(result.hosts)}${notes}`),
    };
    return { ...state.healthy };
  }

  /** Why one of the hosts may not be routed to the project's app, if one may not (see `hostOwner`). */
  private async unclaimedHost(hosts: readonly string[], projectId: string | undefined) {
    if (!this.hostOwner) return undefined;
    for (const host of hosts) {
      let owner: { projectId: string } | undefined;
      try {
        owner = await this.hostOwner(host);
      } catch (error) {
        return `Can't check who holds the host ${host}: ${(error as Error).message}.`;
      }
      if (owner && owner.projectId !== projectId) return `The host ${host} is claimed by another project.`;
      if (!owner)
        return `The host ${host} is not claimed by project ${projectId ?? '(none in release.json)'}.`;
    }
    return undefined;
  }

  private servingNote(hosts: readonly string[]): string {
    return hosts.length > 0 ? ` Serving ${hosts.map((host) => this.liveUrl(host)).join(', ')}.` : '';
  }

  private setRoutes(state: AppState, hosts: readonly string[]): void {
    for (const [host, owner] of this.routes) {
      if (owner === state.app.name && !hosts.includes(host)) this.routes.delete(host);
    }
    for (const host of hosts) this.routes.set(host, state.app.name);
    state.hosts = [...hosts];
  }

  private clearRoutes(state: AppState): void {
    this.setRoutes(state, []);
  }

  /** Stops whatever runs for the app (pruned, or no longer run locally). */
  private async retire(state: AppState, why: string): Promise<void> {
    clearTimeout(state.restartTimer);
    state.restartTimer = undefined;
    this.clearRoutes(state);
    if (this.cluster) {
      // Only a pruned folder retires an app in container mode: its data goes with it, as Argo CD's prune.
      state.output.line(`[wharf] ${why}: removing its pods and volumes`);
      state.healthy = undefined;
      await this.cluster.remove(state.app.name, { volumes: true });
    }
    const current = state.current;
    state.current = undefined;
    state.process = undefined;
    if (current) {
      state.output.line(`[wharf] ${why}: stopping the process on 127.0.0.1:${current.port}`);
      await current.stop(STOP_GRACE_MS);
    }
  }

  /**
   * A serving version that exits on its own takes its hosts with it and makes the app Degraded; it
   * is started again with a growing delay, as the kubelet restarts a crashed container.
   */
  private watchForCrash(state: AppState, instance: AppInstance): void {
    void instance.exited.then((exit) => {
      if (instance.stopRequested || state.current !== instance || this.stopping) return;
      state.current = undefined;
      this.clearRoutes(state);
      if (state.process) state.process.restarts += 1;
      state.crashes = Date.now() - instance.startedAt > STABLE_RUN_MS ? 1 : state.crashes + 1;
      const delay = Math.min(RESTART_BASE_MS * 2 ** (state.crashes - 1), RESTART_MAX_MS);
      const what = `${instance.display} ${describeExit(exit)}`;
      state.output.line(`[wharf] ${what}; restarting in ${delay / 1_000} s`);
      const lines = instance.tail.toArray().slice(-MESSAGE_LINES);
      state.status = {
        ...state.status,
        health: 'Degraded',
        message: `${what}; restarting in ${delay / 1_000} s.${lines.length ? `\nLast output:\n${lines.join('\n')}` : ''}`,
      };
      if (!state.status.revision) return;
      state.restartTimer = setTimeout(() => {
        state.restartTimer = undefined;
        // A reconcile under way since the crash decides what runs: restarting the crashed
        // revision would start the previous release again over the one being rolled out.
        if (this.stopping || state.current || state.working) return;
        const revision = state.status.revision;
        if (revision) this.enqueue(state, revision);
      }, delay);
      state.restartTimer.unref();
    });
  }
}
