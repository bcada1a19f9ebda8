import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startLocalStack } from '../infra/local/stack.ts';
import { type ApiClient, signIn } from '../infra/local/testing/api-client.ts';
import type { LoadJob, LoadPhase, PhaseResult } from './load-worker.ts';
import { fixed, heading, percentile, table, verdict } from './report.ts';

export const OFFERED_RATE = 200;
export const P99_TARGET_MS = 50;
const DURATION_MS = 10_000;
const WARMUP_MS = 2_000;
const CAPACITY_MS = 3_000;
const CAPACITY_CONCURRENCY = 8;
const SEEDED_PROJECTS = 200;
/** The achieved rate must be this share of the offered rate for the target to count as met "at 200 req/s". */
const MIN_RATE_SHARE = 0.95;
/** A request the server answers this fast, three times in a row, means its queue is empty. */
const IDLE_LATENCY_MS = 50;
const DRAIN_LIMIT_MS = 60_000;

interface EndpointResult {
  name: string;
  measured: PhaseResult;
  p50: number;
  p99: number;
  max: number;
  achievedRate: number;
  /** Closed loop, CAPACITY_CONCURRENCY requests in flight: the most this setup answers per second. */
  capacityRate: number;
  /** How long the server took to work off the queue the open-loop run left behind. */
  drainMs: number;
  pass: boolean;
}

function runLoad(job: LoadJob): Promise<PhaseResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job });
    let settled = false;
    worker.once('message', (results: PhaseResult[]) => {
      settled = true;
      resolve(results);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before reporting`));
    });
  });
}

/**
 * The gateway keeps working on requests whose client gave up, so after an overload the next
 * measurement would inherit that queue. Waits until a small DynamoDB-backed read is quick again.
 */
async function drain(alice: ApiClient, workspaceId: string): Promise<number> {
  const started = performance.now();
  let quick = 0;
  while (quick < 3 && performance.now() - started < DRAIN_LIMIT_MS) {
    const t = performance.now();
    await alice.get(`/api/workspaces/${workspaceId}`);
    quick = performance.now() - t < IDLE_LATENCY_MS ? quick + 1 : 0;
    if (quick === 0) await new Promise((r) => setTimeout(r, 200));
  }
  return performance.now() - started;
}

async function seedProjects(alice: ApiClient, workspaceId: string) {
  const concurrency = 10;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < SEEDED_PROJECTS) {
        const n = next++;
        const res = await alice.post(`/api/workspaces/${workspaceId}/projects`, {
          name: `db-${n}`,
          type: 'database',
          engine: 'postgres',
          version: '16',
          storage: '10Gi',
        });
        if (res.status !== 201) {
          throw new Error(`seeding project db-${n} answered ${res.status}: ${JSON.stringify(res.body)}`);
        }
      }
    }),
  );
  const list = await alice.get<{ items: unknown[] }>(
    `/api/workspaces/${workspaceId}/projects?limit=${SEEDED_PROJECTS}`,
  );
  if (list.status !== 200 || list.body.items.length !== SEEDED_PROJECTS) {
    throw new Error(
      `expected ${SEEDED_PROJECTS} projects in the listing, got status ${list.status} with ${list.body?.items?.length} items`,
    );
  }
}

const rateOf = (phase: PhaseResult) => (phase.windowMs > 0 ? (phase.ok * 1000) / phase.windowMs : 0);

/** Section 1: latency and throughput of the projects API through the local gateway at a fixed offered rate. */
export async function benchApiLoad(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-bench-'));
  const stack = await startLocalStack({ port: 0, dataDir, inMemory: true }).catch(async (error) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  try {
    const alice = await signIn(stack, 'alice');
    const me = await alice.get('/api/me');
    if (me.status !== 200) throw new Error(`GET /api/me answered ${me.status}`);
    const workspace = await alice.post<{ id: string }>('/api/workspaces', { name: 'bench' });
    if (workspace.status !== 201) {
      throw new Error(`POST /api/workspaces answered ${workspace.status}: ${JSON.stringify(workspace.body)}`);
    }
    const workspaceId = workspace.body.id;
    await seedProjects(alice, workspaceId);

    const base = { url: stack.url, token: alice.token ?? '' };
    const endpoints = [
      {
        name: `GET  /api/workspaces/{id}/projects?limit=${SEEDED_PROJECTS}`,
        job: {
          ...base,
          method: 'GET',
          path: `/api/workspaces/${workspaceId}/projects?limit=${SEEDED_PROJECTS}`,
          expectedStatus: 200,
        },
      },
      {
        name: 'POST /api/workspaces/{id}/projects',
        job: {
          ...base,
          method: 'POST',
          path: `/api/workspaces/${workspaceId}/projects`,
          expectedStatus: 201,
          bodyPrefix: 'load',
        },
      },
    ] satisfies { name: string; job: Omit<LoadJob, 'phases'> }[];
    const openLoop: LoadPhase[] = [
      { label: 'warmup', kind: 'open', rate: OFFERED_RATE, durationMs: WARMUP_MS },
      { label: 'measure', kind: 'open', rate: OFFERED_RATE, durationMs: DURATION_MS },
    ];
    const closedLoop: LoadPhase[] = [
      { label: 'capacity', kind: 'closed', concurrency: CAPACITY_CONCURRENCY, durationMs: CAPACITY_MS },
    ];

    const results: EndpointResult[] = [];
    for (const endpoint of endpoints) {
      const [, measured] = await runLoad({ ...endpoint.job, phases: openLoop });
      if (!measured) throw new Error(`no measurement for ${endpoint.name}`);
      const drainMs = await drain(alice, workspaceId);
      const [capacity] = await runLoad({ ...endpoint.job, phases: closedLoop });
      if (!capacity) throw new Error(`no capacity run for ${endpoint.name}`);
      await drain(alice, workspaceId);

      const p99 = percentile(measured.latencies, 99);
      const achievedRate = rateOf(measured);
      results.push({
        name: endpoint.name,
        measured,
        p50: percentile(measured.latencies, 50),
        p99,
        max: percentile(measured.latencies, 100),
        achievedRate,
        capacityRate: rateOf(capacity),
        drainMs,
        pass: measured.errors === 0 && p99 < P99_TARGET_MS && achievedRate >= OFFERED_RATE * MIN_RATE_SHARE,
      });
    }
    return render(results);
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function render(results: EndpointResult[]): string {
  const rows = results.map((r) => [
    r.name,
    String(r.measured.sent),
    String(r.measured.ok),
    String(r.measured.errors),
    fixed(r.p50),
    fixed(r.p99),
    fixed(r.max),
    fixed(r.achievedRate),
    fixed(r.p99 / P99_TARGET_MS, 2),
    verdict(r.pass),
  ]);
  const lines = [
    heading('1. API latency under load (local gateway, open loop)'),
    `offered rate  ${OFFERED_RATE} req/s for ${DURATION_MS / 1000} s per endpoint, after a ${WARMUP_MS / 1000} s warm-up (not counted)`,
    `setup         ${SEEDED_PROJECTS} projects in the workspace; one signed-in user; keep-alive fetch from a worker thread`,
    'latency       from scheduled send to full response body, successful responses only',
    'achieved      successful responses / (first scheduled send .. last response)',
    `target        p99 < ${P99_TARGET_MS} ms at ${OFFERED_RATE} req/s, with 0 errors and >= ${MIN_RATE_SHARE * 100}% of the offered rate achieved`,
    '',
    table(
      [
        'endpoint',
        'sent',
        'ok',
        'errors',
        'p50 ms',
        'p99 ms',
        'max ms',
        'achieved req/s',
        'p99/target',
        'result',
      ],
      rows,
      new Set([1, 2, 3, 4, 5, 6, 7, 8]),
    ),
  ];
  for (const r of results) {
    const kinds = Object.entries(r.measured.errorKinds);
    if (kinds.length > 0) {
      lines.push(`errors  ${r.name}: ${kinds.map(([kind, count]) => `${kind} x${count}`).join(', ')}`);
    }
  }
  lines.push(
    '',
    `context (not a target): closed loop, ${CAPACITY_CONCURRENCY} requests in flight for ${CAPACITY_MS / 1000} s, and the time the server needed to finish the open-loop run's queue`,
  );
  for (const r of results) {
    lines.push(
      `  ${r.name.padEnd(Math.max(...results.map((x) => x.name.length)))}  capacity ${fixed(r.capacityRate)} req/s, queue drained ${fixed(r.drainMs / 1000)} s after the run`,
    );
  }
  const lag = Math.max(...results.map((r) => r.measured.maxSendLagMs));
  lines.push(`generator: largest delay between scheduled and actual send ${fixed(lag)} ms`);
  return lines.join('\n');
}
