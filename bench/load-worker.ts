import { parentPort, workerData } from 'node:worker_threads';

/**
 * Load generator, run in its own thread so that the gateway's event loop (main thread) does not
 * delay when requests are sent.
 *
 * `open` phases send on a fixed schedule whether or not earlier requests have answered, and measure
 * each latency from the request's *scheduled* send time, so a stalled server or a late generator
 * shows up in the figures instead of being hidden (no coordinated omission). `closed` phases keep a
 * fixed number of requests in flight, which finds the most the server can answer.
 */
export type LoadPhase = {
  /** Part of generated project names (POST), so every phase creates unique names. */
  label: string;
  durationMs: number;
} & ({ kind: 'open'; rate: number } | { kind: 'closed'; concurrency: number });

export interface LoadJob {
  url: string;
  token: string;
  method: 'GET' | 'POST';
  path: string;
  expectedStatus: number;
  /** POST only: builds the body of the n-th request of a phase. */
  bodyPrefix?: string;
  phases: LoadPhase[];
}

export interface PhaseResult {
  label: string;
  sent: number;
  ok: number;
  errors: number;
  /** Error kinds (`status 409`, `TimeoutError`, …) with counts. */
  errorKinds: Record<string, number>;
  /** Latencies (ms) of successful requests, from scheduled send to the full response body. */
  latencies: number[];
  /** From the first scheduled send to the last response (ms). */
  windowMs: number;
  /** Largest delay between a request's scheduled and actual send time (ms). */
  maxSendLagMs: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

async function runPhase(job: LoadJob, phase: LoadPhase): Promise<PhaseResult> {
  const result: PhaseResult = {
    label: phase.label,
    sent: 0,
    ok: 0,
    errors: 0,
    errorKinds: {},
    latencies: [],
    windowMs: 0,
    maxSendLagMs: 0,
  };
  const fail = (kind: string) => {
    result.errors++;
    result.errorKinds[kind] = (result.errorKinds[kind] ?? 0) + 1;
  };
  const headers: Record<string, string> = { authorization: `Bearer ${job.token}` };
  if (job.method === 'POST') headers['content-type'] = 'application/json';

  let lastResponse = 0;
  const send = (n: number, scheduled: number): Promise<void> => {
    result.sent++;
    result.maxSendLagMs = Math.max(result.maxSendLagMs, performance.now() - scheduled);
    const body =
      job.method === 'POST'
        ? JSON.stringify({
            name: `${job.bodyPrefix}-${phase.label}-${n}`,
            type: 'database',
            engine: 'postgres',
            version: '16',
            storage: '10Gi',
          })
        : undefined;
    return (async () => {
      try {
        const res = await fetch(`${job.url}${job.path}`, {
          method: job.method,
          headers,
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        await res.arrayBuffer();
        const done = performance.now();
        lastResponse = Math.max(lastResponse, done);
        if (res.status === job.expectedStatus) {
          result.ok++;
          result.latencies.push(done - scheduled);
        } else fail(`status ${res.status}`);
      } catch (error) {
        lastResponse = Math.max(lastResponse, performance.now());
        fail((error as Error).name || 'network error');
      }
    })();
  };

  const start = performance.now() + 20;
  if (phase.kind === 'closed') {
    let n = 0;
    await new Promise((r) => setTimeout(r, Math.max(0, start - performance.now())));
    await Promise.all(
      Array.from({ length: phase.concurrency }, async () => {
        while (performance.now() - start < phase.durationMs) await send(n++, performance.now());
      }),
    );
    result.windowMs = lastResponse - start;
    return result;
  }

  const interval = 1000 / phase.rate;
  const total = Math.round((phase.rate * phase.durationMs) / 1000);
  const inFlight: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        inFlight.push(send(next, start + next * interval));
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await Promise.all(inFlight);
  result.windowMs = lastResponse - start;
  return result;
}

if (parentPort) {
  const port = parentPort;
  const job = workerData as LoadJob;
  const results: PhaseResult[] = [];
  for (const phase of job.phases) results.push(await runPhase(job, phase));
  port.postMessage(results);
}
