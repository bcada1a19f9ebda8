import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { freePort } from '../../../../functions/lib/net.ts';
import type { WorkloadStatus } from '../../../../shared/deploy-ports.ts';
import { maskSecrets } from '../app-output.ts';
import type { CheckedObject } from '../manifest-check.ts';
import { parseCron } from './cron.ts';
import { type AppObjects, podImages, readAppObjects } from './plan.ts';
import { PodmanCli, podmanProblem } from './podman-cli.ts';
import { cronPod, LABEL, type PlayUnit, type PodContext, playUnit } from './pods.ts';
import { describeCheck, probeOnce } from './probe.ts';

/** While waiting for readiness, the run log gets a countdown this often. */
const COUNTDOWN_MS = 5_000;

/** What the stack hands the reconciler to run containers (see LocalReconcilerOptions.containers). */
export interface ContainerModeOptions {
  /** The CONTAINERS_* variables of the stack's container settings. */
  env: Record<string, string>;
  /** The local registry's `host:port`; images under it are pulled as they are, by digest. */
  registry: string;
  /** Maps any other image reference (`postgres:16`) to one podman can pull or has. */
  resolveImage(ref: string): Promise<string>;
}

export interface ApplyRequest {
  app: string;
  namespace: string;
  commit: string;
  objects: readonly CheckedObject[];
  secrets: { get(ref: string): Promise<string | undefined> };
  /** A line for the app's output. */
  log(line: string): void;
  signal: AbortSignal;
  readinessTimeoutMs: number;
}

export type ApplyResult =
  | { ok: true; message: string; hosts: string[]; notes: string[] }
  | { ok: false; message: string; notes: string[] };

interface Release {
  commit: string;
  generation: string;
  spec: string;
  context: PodContext;
  objects: AppObjects;
  units: PlayUnit[];
  /** Host → the 127.0.0.1 ports of the ready replicas behind it. */
  routes: Map<string, number[]>;
  secrets: string[];
  secretValues: string[];
  next: number;
  restarts: Map<string, number>;
  probeFailures: number;
  problem?: string | undefined;
  cronTimers: NodeJS.Timeout[];
  cronRunning: Set<string>;
  /** `podman logs --follow` of each serving container, into the app's output. */
  followers: ChildProcess[];
}

interface ContainerState {
  Name: string;
  State: { Status: string; ExitCode: number; Running: boolean };
  RestartCount: number;
}

const POLL_MS = 200;
const WATCH_MS = 2_000;
const STOP_SECONDS = '10';
const OUTPUT_LINES = 20;
/** The probe must fail this many times in a row before a serving release is Degraded (failureThreshold). */
const FAILURE_THRESHOLD = 3;
const DRAIN_MS = 1_000;

/** Whether 127.0.0.1:`port` can be listened on now (the pod that held it is gone). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const short = (commit: string) => commit.slice(0, 12);
const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/**
 * The container half of the local reconciler: runs an app folder's objects with podman as Argo CD
 * would on a cluster. Each rollout plays its pods under new names next to the old ones; the hosts
 * move once every new pod passes its readiness probe, and only then do the old pods go. Everything
 * the stack creates is named with `stack` and labelled with it, so `stopAll` finds it all.
 */
export class PodmanCluster {
  readonly podman: PodmanCli;
  private readonly releases = new Map<string, Release>();
  private readonly pending = new Set<Promise<unknown>>();
  private watcher: NodeJS.Timeout | undefined;
  private watching = false;

  constructor(
    private readonly options: ContainerModeOptions,
    /** Prefix of every pod, secret, volume and network of this stack. */
    readonly stack: string,
    /** A serving release became unhealthy (`problem`) or healthy again (undefined). */
    private readonly onHealth: (app: string, problem: string | undefined) => void,
    /** Output of a CronJob run, for the app's log. */
    private readonly onLine: (app: string, line: string) => void,
  ) {
    this.podman = new PodmanCli(options.env);
  }

  /** The 127.0.0.1 port for a request to `host` of `app` (replicas take turns), if one is ready. */
  route(app: string, host: string): number | undefined {
    const release = this.releases.get(app);
    const ports = release?.routes.get(host);
    if (!release || !ports?.length) return undefined;
    release.next = (release.next + 1) % ports.length;
    return ports[release.next];
  }

  /**
   * The serving release's workloads as they run now: per workload its replicas that are running and
   * pass their readiness probe, podman's restart counts, the images its manifest names and the
   * loopback ports its container ports are published on. Empty while nothing serves.
   */
  async workloads(app: string): Promise<WorkloadStatus[]> {
    const release = this.releases.get(app);
    if (!release) return [];
    const states = await this.inspect(release.units.flatMap((u) => u.containers.map((c) => c.podmanName)));
    const result: WorkloadStatus[] = [];
    for (const workload of release.objects.workloads) {
      const units = release.units.filter((u) => u.workload === workload.name);
      let ready = 0;
      let restarts = 0;
      for (const unit of units) {
        let up = true;
        for (const container of unit.containers) {
          const state = states.find((s) => s.Name === container.podmanName);
          restarts += state?.RestartCount ?? 0;
          if (!state?.State.Running) up = false;
          else if (
            container.readiness &&
            (await probeOnce(this.podman, container.podmanName, container.readiness))
          )
            up = false;
        }
        if (up) ready++;
      }
      const component = workload.podLabels['app.kubernetes.io/component'];
      result.push({
        kind: workload.kind,
        name: workload.name,
        ...(component ? { component } : {}),
        replicas: workload.replicas,
        readyReplicas: ready,
        restarts,
        images: [...new Set(podImages(workload.podSpec))],
        health: release.problem ? 'Degraded' : ready < workload.replicas ? 'Progressing' : 'Healthy',
        local: units.flatMap((unit) =>
          [...unit.hostPorts].map(([containerPort, port]) => ({ containerPort, host: '127.0.0.1', port })),
        ),
      });
    }
    return result;
  }

  /**
   * Starts a run of the serving release's CronJob `name` now (what Argo CD's `create-job` does) and
   * resolves once its pod is played; its output goes to the app's log as on its schedule.
   */
  async startJob(app: string, name: string): Promise<void> {
    const release = this.releases.get(app);
    if (!release)
      throw new Error(`${app} runs nothing here yet: deploy it before running its CronJob ${name}.`);
    if (!release.objects.cronJobs.some((job) => job.name === name)) {
      const names = release.objects.cronJobs.map((job) => job.name);
      throw new Error(
        `${app} has no CronJob ${name}${names.length ? ` (it has ${names.join(', ')})` : ' (it renders none)'}.`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      this.track(
        // Resolves with the play. A run asked for now is never skipped for a scheduled one still going
        // (Kubernetes' concurrencyPolicy holds back the schedule only): a final backup needs its own.
        this.runJob(app, release, name, resolve, { manual: true }).then(
          () => resolve(),
          (error: Error) => {
            const message = maskSecrets(error.message, release.secretValues);
            this.onLine(app, `[wharf] CronJob ${name} could not run: ${message}`);
            reject(new Error(message));
          },
        ),
      );
    });
  }

  runningRevision(app: string): string | undefined {
    return this.releases.get(app)?.commit;
  }

  private network(namespace: string): string {
    return `${this.stack}-${namespace}`.slice(0, 60);
  }

  private volumeName(app: string, claim: string): string {
    return `${this.stack}-${hash(app).slice(0, 8)}-${claim}`;
  }

  /** Runs the app's objects at `commit`; the previous release keeps serving unless the new one is ready. */
  async apply(request: ApplyRequest): Promise<ApplyResult> {
    const at = short(request.commit);
    const objects = readAppObjects(request.objects);
    const notes = objects.notes;
    for (const note of notes) request.log(`[wharf] ${at}: ${note}`);
    const fail = (message: string): ApplyResult => ({ ok: false, message, notes });
    if (objects.workloads.length === 0 && objects.cronJobs.length === 0) {
      // Validated and applied, as Argo CD would: nothing of it runs in a pod, and what ran before goes.
      await this.remove(request.app, { volumes: false });
      return {
        ok: true,
        message: 'validated; no Deployment, StatefulSet or CronJob to run.',
        hosts: [],
        notes,
      };
    }

    // Images: the local registry's by digest as they are; any other name through the stack's resolver.
    const images = new Map<string, string>();
    const refs = new Set([...objects.workloads, ...objects.cronJobs].flatMap((w) => podImages(w.podSpec)));
    for (const ref of refs) {
      if (ref.startsWith(`${this.options.registry}/`)) images.set(ref, ref);
      else {
        try {
          const local = await this.options.resolveImage(ref);
          if (local !== ref) request.log(`[wharf] ${at}: image ${ref} runs as ${local}`);
          images.set(ref, local);
        } catch (error) {
          return fail(`The image ${ref} can't be run locally: ${(error as Error).message}`);
        }
      }
    }

    // Secrets: what the External Secrets operator would make, read from the local secret store.
    const secretData = new Map<string, Record<string, string>>();
    const secretValues: string[] = [];
    for (const source of objects.secrets) {
      const data: Record<string, string> = {};
      for (const [key, entry] of Object.entries(source.entries)) {
        if ('base64' in entry) {
          data[key] = entry.base64;
          secretValues.push(Buffer.from(entry.base64, 'base64').toString('utf8'));
          continue;
        }
        const value = await request.secrets.get(entry.ref);
        if (value === undefined) {
          return fail(
            `Secret ${source.name}: the secret store has no value for "${entry.ref}" (key ${key}).`,
          );
        }
        secretValues.push(value);
        data[key] = Buffer.from(value).toString('base64');
      }
      secretData.set(source.name, data);
    }

    const spec = hash([request.objects, [...images], [...secretData]]).slice(0, 16);
    const current = this.releases.get(request.app);
    if (current && current.spec === spec && !current.problem) {
      current.commit = request.commit;
      return {
        ok: true,
        message: `${this.describe(current)} already running; nothing to restart.`,
        hosts: [...current.routes.keys()],
        notes,
      };
    }

    const context = (generation: string): PodContext => ({
      stack: this.stack,
      app: request.app,
      namespace: request.namespace,
      commit: request.commit,
      generation,
      spec,
      images,
      secretNames: new Map(objects.secrets.map((s) => [s.name, `${this.stack}-${generation}-${s.name}`])),
      configMaps: objects.configMaps,
      volumeName: (claim) => this.volumeName(request.app, claim),
    });

    if (!current) {
      const adopted = await this.adopt(request, objects, spec, context, secretValues);
      if (adopted) {
        request.log(`[wharf] ${at}: found its pods still running (${adopted.generation}); adopted them`);
        await this.removeOthers(request.app, adopted.generation);
        return {
          ok: true,
          message: `${this.describe(adopted)} running (found after a restart).`,
          hosts: [...adopted.routes.keys()],
          notes,
        };
      }
    }

    // A volume a StatefulSet claims is used by one pod at a time (a database locks its data folder), so
    // its rollout replaces the pod as Kubernetes' StatefulSet controller does: the old one stops first.
    const stateful = objects.workloads.some(
      (w) => w.claims.length > 0 || (w.podSpec.volumes ?? []).some((v) => v.persistentVolumeClaim),
    );
    let replaced = current;
    /**
     * The loopback ports the stopped pods were published on, by workload, replica and container port:
     * a StatefulSet's new pod takes them again when they are free, so a database keeps the address a
     * user's client command names across rollouts.
     */
    const keptPorts = new Map<string, number>();
    if (stateful && current) {
      for (const unit of current.units)
        for (const [containerPort, hostPort] of unit.hostPorts)
          keptPorts.set(`${unit.workload}/${unit.replica}/${containerPort}`, hostPort);
    }
    if (stateful) {
      request.log(`[wharf] ${at}: stopping the running pods first: their volumes take one pod at a time`);
      if (current) {
        this.releases.delete(request.app);
        await this.retire(current, 0);
        replaced = undefined;
      }
      await this.removeOthers(request.app, '');
    }

    const generation = randomBytes(3).toString('hex');
    const ctx = context(generation);
    const release: Release = {
      commit: request.commit,
      generation,
      spec,
      context: ctx,
      objects,
      units: [],
      routes: new Map(),
      secrets: [],
      secretValues,
      next: 0,
      restarts: new Map(),
      probeFailures: 0,
      cronTimers: [],
      cronRunning: new Set(),
      followers: [],
    };
    try {
      await this.prepare(request, release, secretData, at);
      for (const workload of objects.workloads) {
        for (let replica = 0; replica < workload.replicas; replica++) {
          const unit = await playUnit(workload, replica, ctx, async (containerPort) => {
            const kept = keptPorts.get(`${workload.name}/${replica}/${containerPort}`);
            return kept !== undefined && (await portIsFree(kept)) ? kept : freePort();
          });
          release.units.push(unit);
          const network =
            unit.aliases.length > 0
              ? `${this.network(request.namespace)}:${unit.aliases.map((a) => `alias=${a}`).join(',')}`
              : this.network(request.namespace);
          request.log(
            `[wharf] ${at}: podman kube play ${unit.workload} (replica ${replica + 1}/${workload.replicas}) as ${unit.pod}`,
          );
          await this.podman.ok(
            `Playing ${unit.workload}`,
            ['kube', 'play', '--network', network, '-'],
            unit.yaml,
          );
        }
      }
      const problem = await this.waitReady(release, request);
      if (problem) {
        await this.discard(release);
        return fail(`${at}: ${problem}`);
      }
    } catch (error) {
      await this.discard(release);
      return fail(`${at}: ${maskSecrets((error as Error).message, secretValues)}`);
    }

    this.setRoutes(release);
    this.releases.set(request.app, release);
    await this.baseline(release);
    this.schedule(request.app, release);
    this.follow(request.app, release);
    if (replaced) this.track(this.retire(replaced, DRAIN_MS));
    // Pods an earlier platform left for this app (not adoptable: another spec) go once this one serves.
    else if (!stateful) this.track(sleep(DRAIN_MS).then(() => this.removeOthers(request.app, generation)));
    this.watch();
    const volumes = release.units.flatMap((u) => u.volumes.map((v) => v.name));
    return {
      ok: true,
      message: `Running ${this.describe(release)}${volumes.length ? ` with volume ${[...new Set(volumes)].join(', ')}` : ''}.`,
      hosts: [...release.routes.keys()],
      notes,
    };
  }

  private describe(release: Release): string {
    const pods = release.units.length;
    const ports = release.units.flatMap((u) => [...u.hostPorts.values()].map((p) => `127.0.0.1:${p}`));
    return `${pods} pod${pods === 1 ? '' : 's'} of ${short(release.commit)} (${release.units.map((u) => u.pod).join(', ')}${ports.length ? ` on ${ports.join(', ')}` : ''})`;
  }

  /** The namespace's network, pulled images, this rollout's podman secrets and the claims' volumes. */
  private async prepare(
    request: ApplyRequest,
    release: Release,
    secretData: ReadonlyMap<string, Record<string, string>>,
    at: string,
  ): Promise<void> {
    const network = this.network(request.namespace);
    if ((await this.podman.run(['network', 'exists', network])).code !== 0) {
      const created = await this.podman.run([
        'network',
        'create',
        '--label',
        `${LABEL.stack}=${this.stack}`,
        network,
      ]);
      // Another app of the namespace may have made it meanwhile.
      if (created.code !== 0 && (await this.podman.run(['network', 'exists', network])).code !== 0) {
        throw new Error(`Creating the network ${network} failed: ${podmanProblem(created.stderr)}`);
      }
    }
    for (const image of new Set(release.context.images.values())) {
      if ((await this.podman.run(['image', 'exists', image])).code === 0) continue;
      request.log(`[wharf] ${at}: pulling ${image}`);
      await this.podman.ok(`Pulling ${image}`, ['pull', '--quiet', image]);
    }
    // podman 4.3.1 can't read back a played `kind: Secret` (issue #16269): the secret is made here, as JSON.
    for (const [name, data] of secretData) {
      const podmanName = release.context.secretNames.get(name) as string;
      // From the command's environment: podman 4.3.1 rejects `-` when stdin is a pipe not yet written.
      await this.podman.ok(
        `Creating the secret ${name}`,
        ['secret', 'create', '--env', podmanName, 'WHARF_SECRET_DATA'],
        undefined,
        { WHARF_SECRET_DATA: JSON.stringify(data) },
      );
      release.secrets.push(podmanName);
    }
    const volumes = new Map<string, { uid?: number | undefined; gid?: number | undefined }>();
    for (const workload of release.objects.workloads) {
      for (let replica = 0; replica < workload.replicas; replica++) {
        for (const claim of workload.claims) {
          const owner = workload.podSpec.securityContext;
          volumes.set(this.volumeName(request.app, `${claim}-${workload.name}-${replica}`), {
            uid: owner?.runAsUser,
            gid: owner?.fsGroup ?? owner?.runAsGroup,
          });
        }
        for (const volume of workload.podSpec.volumes ?? []) {
          if (volume.persistentVolumeClaim)
            volumes.set(this.volumeName(request.app, volume.persistentVolumeClaim.claimName), {});
        }
      }
    }
    for (const [name, owner] of volumes) {
      if ((await this.podman.run(['volume', 'exists', name])).code === 0) continue;
      // A fresh volume belongs to the pod's user, as fsGroup makes it on a cluster.
      const ownership = [
        ...(owner.uid !== undefined ? [`uid=${owner.uid}`] : []),
        ...(owner.gid !== undefined ? [`gid=${owner.gid}`] : []),
      ];
      request.log(`[wharf] ${at}: creating the volume ${name}`);
      await this.podman.ok(`Creating the volume ${name}`, [
        'volume',
        'create',
        '--label',
        `${LABEL.stack}=${this.stack}`,
        '--label',
        `${LABEL.app}=${request.app}`,
        ...(ownership.length ? ['--opt', `o=${ownership.join(',')}`] : []),
        name,
      ]);
    }
  }

  private async inspect(names: readonly string[]): Promise<ContainerState[]> {
    if (names.length === 0) return [];
    const result = await this.podman.run(['container', 'inspect', ...names]);
    try {
      return JSON.parse(result.stdout || '[]') as ContainerState[];
    } catch {
      return [];
    }
  }

  /** The container's last lines, secrets masked, for a Degraded message. */
  async lastOutput(container: string, secrets: readonly string[]): Promise<string> {
    const result = await this.podman.run(['logs', '--tail', String(OUTPUT_LINES), container]);
    const lines = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.trim() && !/systemd connection|syslog/.test(line))
      .slice(-OUTPUT_LINES)
      .map((line) => maskSecrets(line, secrets));
    return lines.length
      ? `\nLast output of ${container}:\n${lines.join('\n')}`
      : `\n${container} printed nothing.`;
  }

  /** Polls every new container until all pass their readiness probes; else why not. */
  private async waitReady(release: Release, request: ApplyRequest): Promise<string | undefined> {
    const containers = release.units.flatMap((u) => u.containers);
    // HTTP probes fail within the kubelet's budget; exec and TCP ones (databases) get the whole timeout.
    const budgets = containers.map((c) => (c.readiness?.type === 'http' ? c.readiness.budgetMs : Infinity));
    const limitMs = Math.min(
      request.readinessTimeoutMs,
      Math.max(...budgets, 0) || request.readinessTimeoutMs,
    );
    const start = Date.now();
    const deadline = start + limitMs;
    let nextCountdown = start + COUNTDOWN_MS;
    for (const container of containers) {
      if (container.probeProblem)
        request.log(`[wharf] ${container.name}: readiness not checked: ${container.probeProblem}`);
      else if (container.readiness)
        request.log(
          `[wharf] probing ${container.name}: ${describeCheck(container.readiness)} for up to ${Math.round(limitMs / 100) / 10} s`,
        );
    }
    const last = new Map<string, string>();
    for (;;) {
      if (request.signal.aborted) return 'the sync was cancelled';
      const states = await this.inspect(containers.map((c) => c.podmanName));
      for (const container of containers) {
        const state = states.find((s) => s.Name === container.podmanName);
        if (!state) return `${container.podmanName} was not created`;
        if (!state.State.Running || state.RestartCount > 0) {
          // Once podman has restarted it, the exit code is the running container's (0): the count says it.
          const how = state.State.Running
            ? `exited and was restarted ${state.RestartCount} time${state.RestartCount === 1 ? '' : 's'}`
            : `exited with code ${state.State.ExitCode}`;
          return `container ${container.name} (${container.podmanName}) ${how} before it was ready.${await this.lastOutput(container.podmanName, release.secretValues)}`;
        }
      }
      const results = await Promise.all(
        containers.map(async (c) =>
          c.readiness ? await probeOnce(this.podman, c.podmanName, c.readiness) : undefined,
        ),
      );
      results.forEach((problem, i) => {
        const container = containers[i];
        if (!problem || !container?.readiness) return;
        const answer = `${describeCheck(container.readiness)} → ${problem}`;
        // Each new answer goes to the run log once, as it changes.
        if (last.get(container.podmanName) !== answer) request.log(`[wharf] ${container.name}: ${answer}`);
        last.set(container.podmanName, answer);
      });
      if (results.every((problem) => problem === undefined)) return undefined;
      const now = Date.now();
      if (now >= deadline) {
        const waiting = containers.find((_, i) => results[i] !== undefined);
        const name = waiting?.podmanName ?? '';
        const why = last.get(name) ?? 'no answer yet';
        return `${name} was not ready within ${Math.round(limitMs / 100) / 10} s: ${why}.${await this.lastOutput(name, release.secretValues)}`;
      }
      if (now >= nextCountdown) {
        request.log(`[wharf] waiting for readiness (${Math.ceil((deadline - now) / 1_000)} s left)`);
        nextCountdown += COUNTDOWN_MS;
      }
      await sleep(POLL_MS);
    }
  }

  private setRoutes(release: Release): void {
    release.routes.clear();
    for (const route of release.objects.routes) {
      const ports = release.units
        .filter((u) => u.workload === route.workload)
        .flatMap((u) => {
          const port = u.hostPorts.get(route.containerPort);
          return port === undefined ? [] : [port];
        });
      if (ports.length) release.routes.set(route.host, ports);
    }
  }

  private async baseline(release: Release): Promise<void> {
    const states = await this.inspect(release.units.flatMap((u) => u.containers.map((c) => c.podmanName)));
    for (const state of states) release.restarts.set(state.Name, state.RestartCount);
  }

  /** Finds pods a previous run of the platform left running for exactly this spec, and serves them. */
  private async adopt(
    request: ApplyRequest,
    objects: AppObjects,
    spec: string,
    context: (generation: string) => PodContext,
    secretValues: string[],
  ): Promise<Release | undefined> {
    const pods = await this.pods([`${LABEL.app}=${request.app}`, `${LABEL.spec}=${spec}`]);
    const generation = pods[0]?.Labels?.[LABEL.generation];
    if (!generation) return undefined;
    const ctx = context(generation);
    const units: PlayUnit[] = [];
    try {
      for (const workload of objects.workloads) {
        for (let replica = 0; replica < workload.replicas; replica++) {
          const unit0 = await playUnit(workload, replica, ctx, async () => 0);
          const bindings = await this.podman.json<
            Array<{ InfraConfig?: { PortBindings?: Record<string, Array<{ HostPort: string }>> } }>
          >(`Inspecting ${unit0.pod}`, ['pod', 'inspect', unit0.pod]);
          const found = Array.isArray(bindings) ? bindings[0] : bindings;
          const ports = found?.InfraConfig?.PortBindings ?? {};
          const hostPort = (containerPort: number) => {
            const port = Number(ports[`${containerPort}/tcp`]?.[0]?.HostPort);
            if (!port) throw new Error(`no published port ${containerPort}`);
            return port;
          };
          // The same unit again, with the ports the running pod was given.
          const queue = [...unit0.hostPorts.keys()];
          units.push(await playUnit(workload, replica, ctx, async () => hostPort(queue.shift() as number)));
        }
      }
    } catch {
      return undefined;
    }
    const release: Release = {
      commit: request.commit,
      generation,
      spec,
      context: ctx,
      objects,
      units,
      routes: new Map(),
      secrets: objects.secrets.map((s) => ctx.secretNames.get(s.name) as string),
      secretValues,
      next: 0,
      restarts: new Map(),
      probeFailures: 0,
      cronTimers: [],
      cronRunning: new Set(),
      followers: [],
    };
    const problem = await this.waitReady(release, { ...request, readinessTimeoutMs: 2_000 });
    if (problem) return undefined;
    this.setRoutes(release);
    this.releases.set(request.app, release);
    await this.baseline(release);
    this.schedule(request.app, release);
    this.follow(request.app, release);
    this.watch();
    return release;
  }

  private async pods(filters: string[]): Promise<Array<{ Name: string; Labels?: Record<string, string> }>> {
    const args = ['pod', 'ps', '--format', 'json', '--filter', `label=${LABEL.stack}=${this.stack}`];
    for (const filter of filters) args.push('--filter', `label=${filter}`);
    return (
      (await this.podman.json<Array<{ Name: string; Labels?: Record<string, string> }>>(
        'Listing pods',
        args,
      )) ?? []
    );
  }

  private async removePods(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    // Stopping first, then removing, takes 0.7 s a pod here; `pod rm --force` alone takes 3.5 s.
    await this.podman.run(['pod', 'stop', '--time', STOP_SECONDS, ...names]);
    await this.podman.run(['pod', 'rm', '--force', ...names]);
    // emptyDir volumes are named for their pod (see pods.ts) and go with it.
    const volumes = await this.podman.run(['volume', 'ls', '--quiet']);
    const own = volumes.stdout.split('\n').filter((v) => names.some((pod) => v.startsWith(`${pod}-v`)));
    if (own.length) await this.podman.run(['volume', 'rm', '--force', ...own]);
  }

  private async removeSecrets(names: readonly string[]): Promise<void> {
    if (names.length) await this.podman.run(['secret', 'rm', ...names]);
  }

  /** The serving containers' output, as the process mode gives the app's: masked, one line each. */
  private follow(app: string, release: Release): void {
    for (const unit of release.units) {
      for (const container of unit.containers) {
        const tag = `[${unit.workload}-${unit.replica}${unit.containers.length > 1 ? `/${container.name}` : ''}]`;
        release.followers.push(
          this.podman.follow(['logs', '--follow', container.podmanName], (line) => {
            if (/systemd connection|syslog/.test(line)) return;
            this.onLine(app, `${tag} ${maskSecrets(line, release.secretValues)}`);
          }),
        );
      }
    }
  }

  private unfollow(release: Release): void {
    for (const follower of release.followers) follower.kill();
    release.followers = [];
  }

  /** Removes a rollout that did not become ready (or was replaced). */
  private async discard(release: Release): Promise<void> {
    this.unfollow(release);
    for (const timer of release.cronTimers) clearTimeout(timer);
    await this.removePods(release.units.map((u) => u.pod));
    await this.removeSecrets(release.secrets);
  }

  private async retire(release: Release, drainMs: number): Promise<void> {
    for (const timer of release.cronTimers) clearTimeout(timer);
    release.cronTimers = [];
    await sleep(drainMs);
    await this.discard(release);
  }

  /** Every pod of the app but one generation's (left over from an earlier run of the platform). */
  private async removeOthers(app: string, keep: string): Promise<void> {
    const pods = await this.pods([`${LABEL.app}=${app}`]);
    await this.removePods(pods.filter((p) => p.Labels?.[LABEL.generation] !== keep).map((p) => p.Name));
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /** Resolves once the replaced releases' pods and secrets are gone. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The app is gone (its folder pruned): its pods, secrets and, with `volumes`, its data. */
  async remove(app: string, options: { volumes: boolean }): Promise<void> {
    const release = this.releases.get(app);
    this.releases.delete(app);
    if (release) await this.discard(release);
    const pods = await this.pods([`${LABEL.app}=${app}`]);
    await this.removePods(pods.map((p) => p.Name));
    if (options.volumes) await this.removeVolumes((labels) => labels[LABEL.app] === app);
  }

  private async removeVolumes(which: (labels: Record<string, string>) => boolean): Promise<void> {
    const volumes = await this.podman.json<Array<{ Name: string; Labels?: Record<string, string> }>>(
      'Listing volumes',
      ['volume', 'ls', '--format', 'json', '--filter', `label=${LABEL.stack}=${this.stack}`],
    );
    const names = (volumes ?? []).filter((v) => which(v.Labels ?? {})).map((v) => v.Name);
    if (names.length) await this.podman.run(['volume', 'rm', '--force', ...names]);
  }

  /**
   * Pods of apps that are no longer in the GitOps repository (deleted while the stack was down), and
   * with `volumes` their data too. The caller leaves volumes alone when it could not read every folder.
   */
  async removeOrphans(apps: ReadonlySet<string>, options: { volumes: boolean }): Promise<void> {
    const pods = await this.pods([]);
    await this.removePods(pods.filter((p) => !apps.has(p.Labels?.[LABEL.app] ?? '')).map((p) => p.Name));
    if (options.volumes) await this.removeVolumes((labels) => !apps.has(labels[LABEL.app] ?? ''));
  }

  /**
   * Lets go of everything without removing it, as a killed platform does: the pods keep running
   * for the next platform to adopt.
   */
  detach(): void {
    clearInterval(this.watcher);
    this.watcher = undefined;
    for (const release of this.releases.values()) {
      this.unfollow(release);
      for (const timer of release.cronTimers) clearTimeout(timer);
    }
    this.releases.clear();
  }

  /** Every pod, container, secret and network of the stack goes; volumes (data) stay. */
  async stopAll(): Promise<void> {
    clearInterval(this.watcher);
    this.watcher = undefined;
    for (const release of this.releases.values()) {
      this.unfollow(release);
      for (const timer of release.cronTimers) clearTimeout(timer);
    }
    this.releases.clear();
    await Promise.all([...this.pending]);
    const pods = await this.pods([]);
    await this.removePods(pods.map((p) => p.Name));
    const secrets = await this.podman.run(['secret', 'ls', '--format', '{{.Name}}']);
    await this.removeSecrets(secrets.stdout.split('\n').filter((s) => s.startsWith(`${this.stack}-`)));
    const networks = await this.podman.run([
      'network',
      'ls',
      '--quiet',
      '--filter',
      `label=${LABEL.stack}=${this.stack}`,
    ]);
    const names = networks.stdout.split('\n').filter(Boolean);
    if (names.length) await this.podman.run(['network', 'rm', '--force', ...names]);
  }

  // ---- health of serving releases -----------------------------------------------------------------

  private watch(): void {
    if (this.watcher) return;
    this.watcher = setInterval(() => {
      if (this.watching) return;
      this.watching = true;
      void this.check().finally(() => {
        this.watching = false;
      });
    }, WATCH_MS);
    this.watcher.unref();
  }

  /** A container that exited or restarted, or a probe failing FAILURE_THRESHOLD times, makes the app Degraded. */
  private async check(): Promise<void> {
    for (const [app, release] of this.releases) {
      const containers = release.units.flatMap((u) => u.containers);
      const states = await this.inspect(containers.map((c) => c.podmanName));
      let problem: string | undefined;
      for (const container of containers) {
        const state = states.find((s) => s.Name === container.podmanName);
        if (!state) problem = `container ${container.podmanName} is gone`;
        else if (!state.State.Running || state.RestartCount > (release.restarts.get(state.Name) ?? 0)) {
          release.restarts.set(state.Name, state.RestartCount);
          const how = state.State.Running
            ? 'exited; podman restarted it'
            : `exited with code ${state.State.ExitCode}; restarting it`;
          // podman restarts a container that exits on its own, not one killed from outside: the kubelet would.
          if (!state.State.Running) void this.podman.run(['start', container.podmanName]);
          problem = `container ${container.name} (${container.podmanName}) ${how}.${await this.lastOutput(container.podmanName, release.secretValues)}`;
        }
        if (problem) break;
      }
      if (!problem) {
        const results = await Promise.all(
          containers.map(async (c) =>
            c.readiness ? await probeOnce(this.podman, c.podmanName, c.readiness) : undefined,
          ),
        );
        const failed = results.findIndex((r) => r !== undefined);
        release.probeFailures = failed >= 0 ? release.probeFailures + 1 : 0;
        const container = containers[failed];
        if (container?.readiness && release.probeFailures >= FAILURE_THRESHOLD) {
          problem = `the readiness probe of ${container.podmanName} fails (${describeCheck(container.readiness)}: ${results[failed]}).${await this.lastOutput(container.podmanName, release.secretValues)}`;
        } else if (failed >= 0 && release.problem) problem = release.problem;
      }
      if (this.releases.get(app) !== release) continue;
      // A restart the watcher already reported stays reported until the probes pass again.
      if (problem === undefined && release.problem?.includes('exited') && release.probeFailures > 0) continue;
      if (problem !== release.problem) {
        release.problem = problem;
        this.onHealth(app, problem);
      }
    }
  }

  // ---- CronJobs ------------------------------------------------------------------------------------

  private schedule(app: string, release: Release): void {
    for (const job of release.objects.cronJobs) {
      if (job.suspended) {
        this.onLine(app, `[wharf] CronJob ${job.name} is suspended; not scheduled`);
        continue;
      }
      let schedule: ReturnType<typeof parseCron>;
      try {
        schedule = parseCron(job.schedule);
      } catch (error) {
        this.onLine(app, `[wharf] CronJob ${job.name} is not scheduled: ${(error as Error).message}`);
        continue;
      }
      const arm = () => {
        if (this.releases.get(app) !== release) return;
        const at = schedule.next(new Date());
        this.onLine(app, `[wharf] CronJob ${job.name}: next run at ${at.toISOString()}`);
        // Timers can't span more than ~24 days; a later run is re-armed on the way.
        const delay = Math.min(at.getTime() - Date.now(), 2 ** 31 - 1);
        const timer = setTimeout(() => {
          release.cronTimers = release.cronTimers.filter((t) => t !== timer);
          if (Date.now() + 1_000 >= at.getTime()) this.track(this.runJob(app, release, job.name));
          arm();
        }, delay);
        timer.unref();
        release.cronTimers.push(timer);
      };
      arm();
    }
  }

  /** Runs one CronJob now as a pod, waits for it to end, logs its output and removes it. */
  async runJob(
    app: string,
    release: Release | undefined,
    name: string,
    /** Called once its pod is played, before the run ends. */
    onPlayed?: () => void,
    options: { manual?: boolean } = {},
  ): Promise<{ exitCode: number; output: string[] }> {
    const serving = release ?? this.releases.get(app);
    const job = serving?.objects.cronJobs.find((j) => j.name === name);
    if (!serving || !job) throw new Error(`${app} runs no CronJob ${name}.`);
    if (!options.manual && serving.cronRunning.has(name)) {
      this.onLine(app, `[wharf] CronJob ${name}: the previous run is still going; this one is skipped`);
      return { exitCode: -1, output: [] };
    }
    serving.cronRunning.add(name);
    // Unique per run, also for two asked for in the same millisecond.
    const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const { pod, yaml } = cronPod(job, serving.context, run);
    try {
      this.onLine(app, `[wharf] CronJob ${name}: starting ${pod}`);
      await this.podman.ok(
        `Running CronJob ${name}`,
        ['kube', 'play', '--network', this.network(serving.context.namespace), '-'],
        yaml,
      );
      onPlayed?.();
      const containers = job.podSpec.containers.map((c) => `${pod}-${c.name}`);
      let states: ContainerState[] = [];
      for (;;) {
        states = await this.inspect(containers);
        if (states.length === containers.length && states.every((s) => !s.State.Running)) break;
        await sleep(POLL_MS * 2);
      }
      const output: string[] = [];
      for (const container of containers) {
        const logs = await this.podman.run(['logs', container]);
        for (const line of `${logs.stdout}${logs.stderr}`.split('\n')) {
          if (!line.trim() || /systemd connection|syslog/.test(line)) continue;
          const masked = maskSecrets(line, serving.secretValues);
          output.push(masked);
          this.onLine(app, `[${name}] ${masked}`);
        }
      }
      const exitCode = Math.max(...states.map((s) => s.State.ExitCode));
      this.onLine(
        app,
        `[wharf] CronJob ${name}: ${pod} ${exitCode === 0 ? 'succeeded' : `failed with code ${exitCode}`}`,
      );
      return { exitCode, output };
    } finally {
      await this.removePods([pod]);
      serving.cronRunning.delete(name);
    }
  }
}
