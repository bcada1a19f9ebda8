import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type ApiClient, signIn } from '../infra/local/testing/api-client.ts';
import { isolatedGitEnv } from '../infra/local/testing/git-env.ts';
import { getLive, type Watch, watchRun } from '../infra/local/testing/live-client.ts';
import { type Release, type Run, TERMINAL_STATUSES } from '../shared/deploy.ts';
import { fixed, heading, median, percentile, table, verdict } from './report.ts';
import type { StackThreadData, StackThreadMessage } from './stack-worker.ts';

export const OVERHEAD_TARGET_MS = 1000;
export const ROLLBACK_TARGET_MS = 3000;
export const LOG_P99_TARGET_MS = 250;
/** The first deploy warms the platform up and is not counted. */
const DEPLOYS = 5;
const ROLLBACKS = 5;
const BENCH_LINES = 1500;
const BENCH_PRINT_MS = 3000;
const SUBSCRIBERS = 200;
/**
 * Lines reach the client in one batch per PollBuild, about 25 batches a run, so one slow poll moves a
 * single run's p99: the one-subscriber figure pools several runs.
 */
const SINGLE_RUNS = 3;
const POLL_MS = 50;
/** Bounds a hung run; a first container-mode deploy seeds its base image (a minute or two). */
const RUN_LIMIT_MS = 300_000;
const STOP_LIMIT_MS = 20_000;
/** The local stack's Wait states (infra/local/stack.ts LOCAL_WAITS), named in the report. */
const LOCAL_WAITS = 'WaitForTurn 200 ms, WaitForBuild 100 ms, WaitForSync 100 ms';
const BENCH_REPO = 'bench-logs';
const BENCH_AUTHOR = { name: 'Wharf Bench', email: 'bench@wharf.local' };
const BENCH_LINE = /^bench-line (\d+) (\d+)$/;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const iso = (value: string | undefined) => (value ? Date.parse(value) : Number.NaN);

export interface StackThread {
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  /** The stack thread's event loop utilization, since `since` when given (as performance.eventLoopUtilization). */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization;
  stop(): Promise<void>;
}

/** Starts the local platform in bench/stack-worker.ts; `stop` ends it (and the thread) whatever state it is in. */
export async function startStackThread(
  dataDir: string,
  runtime: StackThreadData['runtime'] = 'processes',
): Promise<StackThread> {
  const worker = new Worker(new URL('./stack-worker.ts', import.meta.url), {
    workerData: { dataDir, runtime } satisfies StackThreadData,
  });
  const stop = async () => {
    const stopped = new Promise((resolve) => {
      worker.once('message', resolve);
      worker.once('exit', resolve);
    });
    worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, STOP_LIMIT_MS)))]);
    clearTimeout(timer);
    await worker.terminate();
  };
  try {
    const ready = await new Promise<Extract<StackThreadMessage, { type: 'ready' }>>((resolve, reject) => {
      worker.once('message', (message: StackThreadMessage) => {
        if (message.type === 'ready') resolve(message);
        else
          reject(new Error(`the local stack did not start: ${'message' in message ? message.message : ''}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the stack thread exited with code ${code}`)));
    });
    worker.removeAllListeners('exit');
    worker.removeAllListeners('error');
    // A failure after the start shows in the figures (or as a hung run, bounded by RUN_LIMIT_MS).
    worker.on('error', (error) => console.error('stack thread error:', error));
    return {
      ...ready,
      eventLoopUtilization: (since) => worker.performance.eventLoopUtilization(since),
      stop,
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// The bench repository: a build that prints numbered, timestamped lines at a steady pace.

const benchFiles = {
  'package.json': `${JSON.stringify(
    {
      name: BENCH_REPO,
      version: '1.0.0',
      private: true,
      type: 'module',
      scripts: { build: 'node build.js', start: 'node server.js' },
    },
    null,
    2,
  )}\n`,
  'build.js': `// Prints ${BENCH_LINES} lines over ${BENCH_PRINT_MS} ms, each with its number and the time it was written.
const LINES = ${BENCH_LINES};
const PRINT_MS = ${BENCH_PRINT_MS};
const start = Date.now();
for (let n = 1; n <= LINES; n++) {
  const wait = start + (n * PRINT_MS) / LINES - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  // A pipe's stdout is written synchronously on Linux: the line leaves now, with this timestamp.
  process.stdout.write(\`bench-line \${n} \${Date.now()}\\n\`);
}
`,
  'server.js': `import { createServer } from 'node:http';

createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/healthz' ? 'ok' : 'bench-logs\\n');
}).listen(Number(process.env.PORT || 3000));
`,
};

/** `<dataDir>/git/bench-logs.git`, one commit of benchFiles: the gateway serves it like the samples. */
async function createBenchRepo(dataDir: string): Promise<void> {
  const bare = join(dataDir, 'git', `${BENCH_REPO}.git`);
  const work = await mkdtemp(join(tmpdir(), 'wharf-bench-repo-'));
  const env = isolatedGitEnv(work, BENCH_AUTHOR);
  const git = (...args: string[]) => run('git', args, { env, cwd: work });
  try {
    for (const [name, content] of Object.entries(benchFiles)) await writeFile(join(work, name), content);
    await git('init', '--quiet', '--bare', '--initial-branch=main', bare);
    await git('--git-dir', bare, 'config', 'http.receivepack', 'true');
    await git('--git-dir', bare, '--work-tree', work, 'add', '--all', '.');
    await git(
      '--git-dir',
      bare,
      '--work-tree',
      work,
      'commit',
      '--quiet',
      '--message',
      'Timestamped build log',
    );
    await rm(join(bare, 'index'), { force: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A new commit on a repository of the stack (`<dataDir>/git/<name>.git`) that changes one file: a
 * container build of an unchanged commit is served from buildah's layer cache (same image, same digest,
 * no build output), so each measured deploy builds a commit of its own, in both runtimes alike.
 */
let bumps = 0;
async function bumpRepo(dataDir: string, name: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'wharf-bench-bump-'));
  const env = isolatedGitEnv(work, BENCH_AUTHOR);
  try {
    await run('git', ['clone', '--quiet', join(dataDir, 'git', `${name}.git`), work], { env });
    bumps += 1;
    await writeFile(join(work, 'BENCH_NONCE'), `${bumps} ${Date.now()}\n`);
    await run('git', ['add', 'BENCH_NONCE'], { cwd: work, env });
    await run('git', ['commit', '--quiet', '-m', `Bench build ${bumps}`], { cwd: work, env });
    await run('git', ['push', '--quiet', 'origin', 'HEAD'], { cwd: work, env });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// The API side.

interface Project {
  base: string;
  liveUrl?: string;
}

async function createProject(api: ApiClient, workspaceId: string, name: string, url: string) {
  const res = await api.post<{ id: string }>(`/api/workspaces/${workspaceId}/projects`, {
    name,
    type: 'monolith',
    repository: { url, branch: 'main' },
    port: 3000,
    healthCheckPath: '/healthz',
  });
  if (res.status !== 201)
    throw new Error(`creating project ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { base: `/api/workspaces/${workspaceId}/projects/${res.body.id}` } satisfies Project;
}

async function startDeploy(api: ApiClient, project: Project): Promise<Run> {
  const res = await api.post<Run>(`${project.base}/deployments`, {});
  if (res.status !== 202)
    throw new Error(`POST deployments answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls the run every POLL_MS until it ends; resolves as soon as a poll sees it ended. */
async function waitForRun(api: ApiClient, project: Project, runId: string): Promise<Run> {
  const deadline = performance.now() + RUN_LIMIT_MS;
  for (;;) {
    const res = await api.get<Run>(`${project.base}/deployments/${runId}`);
    if (res.status !== 200) throw new Error(`GET run ${runId} answered ${res.status}`);
    if (TERMINAL_STATUSES.has(res.body.status)) {
      if (res.body.status !== 'deployed') {
        throw new Error(
          `run ${runId} ended ${res.body.status}: ${res.body.failureReason ?? 'no reason given'}`,
        );
      }
      return res.body;
    }
    if (performance.now() > deadline)
      throw new Error(`run ${runId} still ${res.body.status} after ${RUN_LIMIT_MS} ms`);
    await sleep(POLL_MS);
  }
}

async function releases(api: ApiClient, project: Project): Promise<Release[]> {
  const res = await api.get<{ items: Release[] }>(`${project.base}/releases`);
  if (res.status !== 200) throw new Error(`GET releases answered ${res.status}`);
  return res.body.items;
}

/** Bounds a wait on the platform, so a stuck run fails the bench instead of hanging it. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not happen within ${RUN_LIMIT_MS} ms`)),
      RUN_LIMIT_MS,
    );
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------------
// 3a. Control-plane overhead of a deploy.

interface DeploySample {
  totalMs: number;
  buildMs: number;
  overheadMs: number;
  steps: Record<string, number>;
  /** What the runner itself recorded (state.json): start of the build to its end. */
  runnerMs: number;
}

const stepMs = (deployed: Run, name: string) =>
  deployed.steps
    .filter((s) => s.name === name)
    .reduce((sum, s) => sum + (iso(s.endedAt) - iso(s.startedAt)), 0);

async function runnerMs(dataDir: string, runId: string): Promise<number> {
  try {
    const state = JSON.parse(await readFile(join(dataDir, 'builds', runId, 'state.json'), 'utf8'));
    return iso(state.finishedAt) - iso(state.createdAt);
  } catch {
    return Number.NaN;
  }
}

async function measureDeploys(api: ApiClient, project: Project, dataDir: string) {
  const samples: DeploySample[] = [];
  /** What the live URL serves for each release: how a rollback is seen to have landed. */
  const served = new Map<string, string>();
  const releaseIds: string[] = [];
  let firstMs = Number.NaN;
  for (let i = 0; i < DEPLOYS; i++) {
    await bumpRepo(dataDir, 'node-web');
    const started = await startDeploy(api, project);
    const deployed = await waitForRun(api, project, started.id);
    project.liveUrl ??= (await releases(api, project))[0]?.liveUrl;
    if (!project.liveUrl || !deployed.releaseId)
      throw new Error(`deploy ${deployed.id} recorded no live release`);
    const live = await getLive(project.liveUrl);
    if (live.status !== 200)
      throw new Error(`the live URL answered ${live.status} after deploy ${deployed.id}`);
    served.set(deployed.releaseId, live.body);
    releaseIds.push(deployed.releaseId);
    if (i === 0) {
      firstMs = iso(deployed.finishedAt) - iso(deployed.createdAt);
      continue;
    }
    const totalMs = iso(deployed.finishedAt) - iso(deployed.createdAt);
    const buildMs = stepMs(deployed, 'build') + stepMs(deployed, 'push');
    const steps = Object.fromEntries(deployed.steps.map((s) => [s.name, stepMs(deployed, s.name)]));
    steps['(between steps)'] = totalMs - Object.values(steps).reduce((a, b) => a + b, 0);
    samples.push({
      totalMs,
      buildMs,
      overheadMs: totalMs - buildMs,
      steps,
      runnerMs: await runnerMs(dataDir, deployed.id),
    });
  }
  return { samples, served, releaseIds, firstMs };
}

// ---------------------------------------------------------------------------------------------------
// 3b. Rollback end to end.

interface RollbackSample {
  target: number;
  /** From the POST to a poll seeing the run deployed. */
  deployedMs: number;
  /** From the POST to the live URL first serving the target release's content. */
  liveMs: number;
  endToEndMs: number;
  /** finishedAt − createdAt of the rollback run, as the control plane recorded it. */
  serverMs: number;
  /** The live URL still served the target once both had happened. */
  stable: boolean;
}

async function waitForContent(liveUrl: string, body: string): Promise<number> {
  const deadline = performance.now() + RUN_LIMIT_MS;
  for (;;) {
    const live = await getLive(liveUrl).catch(() => undefined);
    if (live?.status === 200 && live.body === body) return performance.now();
    if (performance.now() > deadline)
      throw new Error(`the live URL did not serve the rollback target within ${RUN_LIMIT_MS} ms`);
    await sleep(POLL_MS);
  }
}

async function measureRollbacks(
  api: ApiClient,
  project: Project,
  served: Map<string, string>,
  releaseIds: string[],
): Promise<RollbackSample[]> {
  const liveUrl = project.liveUrl as string;
  const numbers = new Map((await releases(api, project)).map((r) => [r.id, r.number]));
  // The last deploy is live: alternate between the one before it and it, so every rollback changes what is served.
  const targets = [releaseIds.at(-2), releaseIds.at(-1)] as string[];
  if (served.get(targets[0] as string) === served.get(targets[1] as string)) {
    throw new Error('the last two releases serve the same page, so a rollback could not be seen to land');
  }
  const samples: RollbackSample[] = [];
  for (let i = 0; i < ROLLBACKS; i++) {
    const target = targets[i % 2] as string;
    const body = served.get(target) as string;
    const started = performance.now();
    const res = await api.post<Run>(`${project.base}/releases/${target}/rollback`);
    if (res.status !== 202)
      throw new Error(`POST rollback answered ${res.status}: ${JSON.stringify(res.body)}`);
    const [rolled, liveAt] = await Promise.all([
      waitForRun(api, project, res.body.id).then((r) => ({ run: r, at: performance.now() })),
      waitForContent(liveUrl, body),
    ]);
    const after = await getLive(liveUrl);
    samples.push({
      target: numbers.get(target) ?? Number.NaN,
      deployedMs: rolled.at - started,
      liveMs: liveAt - started,
      endToEndMs: Math.max(rolled.at, liveAt) - started,
      serverMs: iso(rolled.run.finishedAt) - iso(rolled.run.createdAt),
      stable: after.status === 200 && after.body === body,
    });
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------
// 3c/3d. Log lines, runner write → subscribed WebSocket client.

interface Delivery {
  /** Printed by the build (epoch ms) → arrived at the client. */
  latencies: number[];
  /** Printed → stored in the run's log (the line's `at`: PollBuild copied it from the build log). */
  storeLags: number[];
  /** Stored → arrived at the client (publish: watchers query, PostToConnection, WebSocket). */
  pushLags: number[];
  /** When each batch of bench lines was stored (epoch ms), in order: one per PollBuild that found some. */
  batches: number[];
  received: number;
  missing: number;
  duplicated: number;
  /** Bench lines whose number is lower than one before them in sequence order (what the client shows). */
  misordered: number;
  /** Lines delivered after a line with a higher sequence number (the client re-sorts them by seq). */
  arrivedLate: number;
  /** Of those, bench lines. */
  benchArrivedLate: number;
  /** The run's sequence numbers are 1..n with no gap. */
  seqConsecutive: boolean;
  firstPrinted: number;
}

/** Reads one subscriber's view. `offset` turns the main thread's performance.now() into epoch ms. */
function analyse(watch: Watch, offset: number): Delivery {
  const d: Delivery = {
    latencies: [],
    storeLags: [],
    pushLags: [],
    batches: [],
    received: 0,
    missing: 0,
    duplicated: 0,
    misordered: 0,
    arrivedLate: 0,
    benchArrivedLate: 0,
    seqConsecutive: watch.lines.every((l, i) => l.seq === i + 1),
    firstPrinted: Number.POSITIVE_INFINITY,
  };
  const seen = new Set<number>();
  const benchSeqs = new Set<number>();
  let highest = 0;
  for (const line of watch.lines) {
    const match = BENCH_LINE.exec(line.text);
    if (!match) continue;
    const n = Number(match[1]);
    const printed = Number(match[2]);
    const stored = iso(line.at);
    const arrived = (watch.arrivals.get(line.seq) as number) + offset;
    d.received++;
    if (seen.has(n)) d.duplicated++;
    seen.add(n);
    benchSeqs.add(line.seq);
    if (n < highest) d.misordered++;
    highest = Math.max(highest, n);
    d.latencies.push(arrived - printed);
    d.storeLags.push(stored - printed);
    d.pushLags.push(arrived - stored);
    if (d.batches.at(-1) !== stored) d.batches.push(stored);
    d.firstPrinted = Math.min(d.firstPrinted, printed);
  }
  for (let n = 1; n <= BENCH_LINES; n++) if (!seen.has(n)) d.missing++;
  // The arrivals map keeps the order in which lines first arrived.
  let highestSeq = 0;
  for (const seq of watch.arrivals.keys()) {
    if (seq < highestSeq) {
      d.arrivedLate++;
      if (benchSeqs.has(seq)) d.benchArrivedLate++;
    }
    highestSeq = Math.max(highestSeq, seq);
  }
  return d;
}

interface LogRun {
  subscribers: number;
  deliveries: Delivery[];
  /** From the 202 to every subscriber's socket being open and its subscribe sent. */
  subscribedMs: number;
  /** From the 202 to the first bench line being printed. */
  firstPrintMs: number;
  /** Share of the time each thread's event loop was busy, from the 202 to the run's end. */
  stackBusy: number;
  clientBusy: number;
}

/** One deploy of the bench repository, watched by `subscribers` WebSocket clients from its 202 on. */
async function measureLogs(
  api: ApiClient,
  project: Project,
  stack: StackThread,
  token: string,
  subscribers: number,
  dataDir: string,
): Promise<LogRun> {
  await bumpRepo(dataDir, BENCH_REPO);
  const started = await startDeploy(api, project);
  const acceptedAt = Date.now();
  const stackLoop = stack.eventLoopUtilization();
  const clientLoop = performance.eventLoopUtilization();
  const opened = await Promise.allSettled(
    Array.from({ length: subscribers }, () => watchRun(stack.url, token, started.id)),
  );
  const subscribedMs = Date.now() - acceptedAt;
  const watches = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const refused = opened.find((o) => o.status === 'rejected');
    if (refused) throw new Error(`a WebSocket subscriber could not connect: ${refused.reason}`);
    const statuses = await within(Promise.all(watches.map((w) => w.done)), `the end of run ${started.id}`);
    const stackBusy = stack.eventLoopUtilization(stackLoop).utilization;
    const clientBusy = performance.eventLoopUtilization(clientLoop).utilization;
    const failed = statuses.find((s) => s !== 'deployed');
    if (failed) throw new Error(`bench-logs run ${started.id} ended ${failed}`);
    // Sampled now rather than performance.timeOrigin, which can drift from the wall clock over minutes.
    const offset = Date.now() - performance.now();
    const deliveries = watches.map((w) => analyse(w, offset));
    const firstPrinted = Math.min(...deliveries.map((d) => d.firstPrinted));
    return {
      subscribers,
      deliveries,
      subscribedMs,
      firstPrintMs: firstPrinted - acceptedAt,
      stackBusy,
      clientBusy,
    };
  } finally {
    for (const w of watches) w.close();
  }
}

// ---------------------------------------------------------------------------------------------------

/** Section 3: deploys, rollbacks and live logs on the local platform. */
/**
 * `runtime`: processes (builds and apps as processes) or containers (buildah builds pushed to the
 * local registry, podman runs them); the same measurements in both, so the two can be compared.
 */
export async function benchDeploys(runtime: 'processes' | 'containers' = 'processes'): Promise<string> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-bench-deploy-'));
  let stack: StackThread | undefined;
  try {
    stack = await startStackThread(dataDir, runtime);
    const alice = await signIn(stack, 'alice');
    const token = alice.token ?? '';
    const workspace = await alice.post<{ id: string }>('/api/workspaces', { name: 'bench-deploys' });
    if (workspace.status !== 201) throw new Error(`POST /api/workspaces answered ${workspace.status}`);
    const samples = await alice.get<{ items: Array<{ name: string; url: string }> }>('/api/samples');
    const nodeWeb = samples.body.items.find((s) => s.name === 'node-web');
    if (!nodeWeb) throw new Error('the node-web sample is not listed by GET /api/samples');

    const web = await createProject(alice, workspace.body.id, 'bench-web', nodeWeb.url);
    const deploys = await measureDeploys(alice, web, dataDir);
    const rollbacks = await measureRollbacks(alice, web, deploys.served, deploys.releaseIds);

    await createBenchRepo(dataDir);
    const logs = await createProject(
      alice,
      workspace.body.id,
      'bench-logs',
      `${stack.url}/git/${BENCH_REPO}.git`,
    );
    const single: LogRun[] = [];
    for (let i = 0; i < SINGLE_RUNS; i++)
      single.push(await measureLogs(alice, logs, stack, token, 1, dataDir));
    const fanOut = await measureLogs(alice, logs, stack, token, SUBSCRIBERS, dataDir);
    const load = [loadBefore, loadavg()[0] ?? Number.NaN];
    return render(runtime, deploys, rollbacks, single, fanOut, load);
  } finally {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

function render(
  runtime: 'processes' | 'containers',
  { samples: deploys, firstMs }: { samples: DeploySample[]; firstMs: number },
  rollbacks: RollbackSample[],
  single: LogRun[],
  fanOut: LogRun,
  load: number[],
): string {
  return [
    heading(`3. Deploys and live logs (local platform, ${runtime})`),
    runtime === 'containers'
      ? `first deploy  ${fixed(firstMs / 1000)} s, seeding the node base image from Debian packages on a fresh data folder (not counted below)`
      : `first deploy  ${fixed(firstMs / 1000)} s (not counted below)`,
    'platform      startLocalStack in its own worker thread (in-memory DynamoDB Local, local build runner and',
    '              reconciler); the bench clients (REST polls, WebSocket subscribers) on the main thread',
    `workflow      local Wait states ${LOCAL_WAITS} (infra/local/stack.ts LOCAL_WAITS)`,
    `machine       1-min load average ${load.map((l) => fixed(l, 2)).join(' at the start, ')} at the end, on ${availableParallelism()} CPUs: ` +
      'builds, apps and DynamoDB Local share them with the stack',
    '',
    ...renderDeploys(deploys),
    '',
    ...renderRollbacks(rollbacks),
    '',
    ...renderLogs(single, fanOut),
  ].join('\n');
}

const stats = (values: number[]) => [
  fixed(median(values)),
  fixed(Math.min(...values)),
  fixed(Math.max(...values)),
];

function renderDeploys(deploys: DeploySample[]): string[] {
  const overhead = median(deploys.map((d) => d.overheadMs));
  const stepNames = Object.keys(deploys[0]?.steps ?? {});
  const stepMedian = (name: string) => fixed(median(deploys.map((d) => d.steps[name] ?? 0)));
  return [
    `3a. Control-plane overhead of a deploy: the node-web sample deployed ${DEPLOYS} times in a row, the first a warm-up (not counted)`,
    'total = finishedAt - createdAt of the run; build = its build + push steps; overhead = total - build',
    `target        median overhead < ${OVERHEAD_TARGET_MS} ms`,
    '',
    table(
      ['figure', 'median ms', 'min ms', 'max ms', 'median/target', 'result'],
      [
        ['total', ...stats(deploys.map((d) => d.totalMs)), '', ''],
        ['build (build + push steps)', ...stats(deploys.map((d) => d.buildMs)), '', ''],
        [
          'overhead (total - build)',
          ...stats(deploys.map((d) => d.overheadMs)),
          fixed(overhead / OVERHEAD_TARGET_MS, 2),
          verdict(overhead < OVERHEAD_TARGET_MS),
        ],
      ],
      new Set([1, 2, 3, 4]),
    ),
    `steps (median ms): ${stepNames.map((name) => `${name} ${stepMedian(name)}`).join(', ')}`,
    `the runner's own build (its state.json, createdAt..finishedAt) took ${fixed(median(deploys.map((d) => d.runnerMs)))} ms: ` +
      `the build + push steps add ${fixed(median(deploys.map((d) => d.buildMs - d.runnerMs)))} ms around it (TriggerBuild, the last PollBuild seeing it end)`,
  ];
}

function renderRollbacks(rollbacks: RollbackSample[]): string[] {
  const e2e = rollbacks.map((r) => r.endToEndMs);
  const stable = rollbacks.every((r) => r.stable);
  return [
    `3b. Rollback end to end: ${ROLLBACKS} rollbacks of the same project, alternating between the last two deploys' releases`,
    `end to end = from POST …/rollback until polls (every ${POLL_MS} ms) see the run deployed AND the live URL serving the target's page`,
    `target        median end to end < ${ROLLBACK_TARGET_MS} ms, and the target still served afterwards`,
    '',
    table(
      [
        'rollback',
        'to release',
        'run deployed ms',
        'live serves target ms',
        'end to end ms',
        'run createdAt..finishedAt ms',
        'still served after',
      ],
      rollbacks.map((r, i) => [
        String(i + 1),
        String(r.target),
        fixed(r.deployedMs),
        fixed(r.liveMs),
        fixed(r.endToEndMs),
        fixed(r.serverMs),
        r.stable ? 'yes' : 'NO',
      ]),
      new Set([1, 2, 3, 4, 5]),
    ),
    `end to end: median ${fixed(median(e2e))} ms, max ${fixed(Math.max(...e2e))} ms; median/target ` +
      `${fixed(median(e2e) / ROLLBACK_TARGET_MS, 2)}  ${verdict(median(e2e) < ROLLBACK_TARGET_MS && stable)}`,
  ];
}

function renderLogs(single: LogRun[], fanOut: LogRun): string[] {
  const pooled = (runs: LogRun[], pick: (d: Delivery) => number[]) =>
    runs.flatMap((r) => r.deliveries.flatMap(pick));
  const total = (runs: LogRun[], pick: (d: Delivery) => number) =>
    runs.reduce((sum, r) => sum + r.deliveries.reduce((a, d) => a + pick(d), 0), 0);
  const clean = (runs: LogRun[]) =>
    total(runs, (d) => d.missing + d.duplicated + d.misordered) === 0 &&
    runs.every((r) => r.deliveries.every((d) => d.seqConsecutive));
  const row = (label: string, runs: LogRun[], result: string) => {
    const latencies = pooled(runs, (d) => d.latencies);
    return [
      label,
      String(total(runs, () => BENCH_LINES)),
      String(total(runs, (d) => d.received)),
      fixed(percentile(latencies, 50)),
      fixed(percentile(latencies, 99)),
      fixed(percentile(latencies, 100)),
      String(total(runs, (d) => d.missing)),
      String(total(runs, (d) => d.duplicated)),
      String(total(runs, (d) => d.misordered)),
      runs.every((r) => r.deliveries.every((d) => d.seqConsecutive)) ? 'yes' : 'NO',
      String(total(runs, (d) => d.arrivedLate)),
      result,
    ];
  };
  const singleP99 = percentile(
    pooled(single, (d) => d.latencies),
    99,
  );
  const singlePass = singleP99 < LOG_P99_TARGET_MS && clean(single);
  const rows = [
    ...single.map((r, i) => row(`1, run ${i + 1}`, [r], '')),
    row(`1, all ${single.length} runs`, single, verdict(singlePass)),
    row(String(fanOut.subscribers), [fanOut], clean([fanOut]) ? '(no target)' : '(no target) LOSS'),
  ];
  const lines = [
    `3c/3d. Log-line latency, runner write -> subscribed WebSocket client: a build printing ${BENCH_LINES} lines over ${BENCH_PRINT_MS / 1000} s,`,
    `each with its number and Date.now(); ${single.length} deploys watched by 1 subscriber, then 1 deploy watched by ${fanOut.subscribers}, subscribed right after the 202`,
    'latency = arrival at the client (performance.now() as epoch ms) - the time printed in the line, over every (subscriber, line) pair',
    'misordered = shown out of print order; late = any line of the run delivered after a higher seq (replay/live switch; the client re-sorts)',
    `target        1 subscriber: p99 < ${LOG_P99_TARGET_MS} ms over all its runs, with no line lost, duplicated or misordered and seq 1..n`,
    '',
    table(
      [
        'subscribers',
        'lines expected',
        'received',
        'p50 ms',
        'p99 ms',
        'max ms',
        'lost',
        'duplicated',
        'misordered',
        'seq 1..n',
        'late',
        'result',
      ],
      rows,
      new Set([1, 2, 3, 4, 5, 6, 7, 8, 10]),
    ),
    `1 subscriber: p99/target ${fixed(singleP99 / LOG_P99_TARGET_MS, 2)}`,
    'where the time goes (p50 / p99 ms): printed -> stored = waiting for the next PollBuild (WaitForBuild + the task),',
    "stored -> client = publishing to the run's watchers; cycle = time between stored batches (median / max ms)",
  ];
  const groups: Array<[string, LogRun[]]> = [
    ['1 subscriber ', single],
    [`${fanOut.subscribers} subscribers`, [fanOut]],
  ];
  for (const [label, runs] of groups) {
    const store = pooled(runs, (d) => d.storeLags);
    const push = pooled(runs, (d) => d.pushLags);
    const cycles = runs.flatMap((r) => {
      const batches = r.deliveries[0]?.batches ?? [];
      return batches.slice(1).map((at, i) => at - (batches[i] as number));
    });
    const mean = (pick: (r: LogRun) => number) => runs.reduce((a, r) => a + pick(r), 0) / runs.length;
    lines.push(
      `  ${label}  printed -> stored ${fixed(percentile(store, 50))} / ${fixed(percentile(store, 99))}, ` +
        `stored -> client ${fixed(percentile(push, 50))} / ${fixed(percentile(push, 99))}, ` +
        `cycle ${fixed(median(cycles), 0)} / ${fixed(Math.max(...cycles), 0)}; ` +
        `bench lines late ${total(runs, (d) => d.benchArrivedLate)}`,
      `  ${' '.repeat(label.length)}  sockets subscribed ${fixed(
        mean((r) => r.subscribedMs),
        0,
      )} ms and first line printed ` +
        `${fixed(
          mean((r) => r.firstPrintMs),
          0,
        )} ms after the 202; event loops busy: stack thread ` +
        `${fixed(mean((r) => r.stackBusy) * 100, 0)}%, client thread ${fixed(mean((r) => r.clientBusy) * 100, 0)}%`,
    );
  }
  return lines;
}
