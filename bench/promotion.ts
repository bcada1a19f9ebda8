import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiClient, pristineCommit, signIn } from '../infra/local/testing/api-client.ts';
import { getLive } from '../infra/local/testing/live-client.ts';
import type { ProjectView } from '../shared/api.ts';
import { type Release, type Run, TERMINAL_STATUSES } from '../shared/deploy.ts';
import { startStackThread } from './deploy.ts';
import { fixed, heading, median, table, verdict } from './report.ts';

/**
 * Promotion end to end on the local platform: from `POST …/environments/production/promotions` until
 * production serves the promoted staging release (its run `deployed` and its live URL answering with
 * that release's build), with no build step. Two staging releases of the node-web sample are promoted
 * in turn, so every promotion changes what production serves.
 */
export const PROMOTION_TARGET_MS = 1000;
const PROMOTIONS = 5;
const POLL_MS = 20;
const LIMIT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** node-web's page names its build: "Version 1.0.0 built <time>". */
const version = (page: string) => /Version ([^<]+)/.exec(page)?.[1];

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = performance.now() + LIMIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${LIMIT_MS} ms`);
    await sleep(POLL_MS);
  }
}

async function deployed(api: ApiClient, base: string, runId: string): Promise<Run> {
  const run = await poll(
    async () => (await api.get<Run>(`${base}/deployments/${runId}`)).body,
    (r) => TERMINAL_STATUSES.has(r.status),
    `run ${runId} ending`,
  );
  if (run.status !== 'deployed') throw new Error(`run ${runId} ended ${run.status}: ${run.failureReason}`);
  return run;
}

interface Sample {
  deployedMs: number;
  servedMs: number;
  endToEndMs: number;
  serverMs: number;
  builds: number;
  sameDigest: boolean;
}

export async function benchPromotion(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-bench-promotion-'));
  const stack = await startStackThread(dataDir);
  try {
    const alice = await signIn(stack, 'alice');
    const workspaceId = (await alice.post('/api/workspaces', { name: 'bench-promotions' })).body.id as string;
    const samples = await alice.get('/api/samples');
    const sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url as string;
    const commit = await pristineCommit(sampleUrl);
    const project = (
      await alice.post<ProjectView>(`/api/workspaces/${workspaceId}/projects`, {
        name: 'bench-promote',
        type: 'monolith',
        repository: { url: sampleUrl, branch: 'main' },
        port: 3000,
        healthCheckPath: '/healthz',
      })
    ).body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;

    // Two staging releases, each serving its own build.
    const staged: Array<{ release: Release; version: string }> = [];
    for (let i = 0; i < 2; i++) {
      const run = (await alice.post<Run>(`${base}/deployments`, { environment: 'staging', commit })).body;
      await deployed(alice, base, run.id);
      const release = (await alice.get<{ items: Release[] }>(`${base}/releases?environment=staging`)).body
        .items[0] as Release;
      const page = await getLive(release.liveUrl as string);
      staged.push({ release, version: version(page.body) ?? '' });
    }
    if (staged[0]?.version === staged[1]?.version)
      throw new Error('the two staging builds serve the same page');

    const samplesTaken: Sample[] = [];
    let productionUrl: string | undefined;
    // The first promotion warms production up (its first app start) and is not counted.
    for (let i = 0; i <= PROMOTIONS; i++) {
      const source = staged[i % 2] as (typeof staged)[number];
      const started = performance.now();
      const res = await alice.post<Run>(`${base}/environments/production/promotions`, {
        releaseId: source.release.id,
      });
      if (res.status !== 202)
        throw new Error(`POST promotions answered ${res.status}: ${JSON.stringify(res.body)}`);
      const runDone = deployed(alice, base, res.body.id).then((run) => ({ run, at: performance.now() }));
      productionUrl ??= (await runDone).run.pendingRelease?.liveUrl;
      const servedAt = await poll(
        async () => (productionUrl ? await getLive(productionUrl).catch(() => undefined) : undefined),
        (live) => live?.status === 200 && version(live.body) === source.version,
        'production serving the promoted build',
      ).then(() => performance.now());
      const { run, at } = await runDone;
      const release = (await alice.get<{ items: Release[] }>(`${base}/releases?environment=production`)).body
        .items[0] as Release;
      if (i === 0) continue;
      samplesTaken.push({
        deployedMs: at - started,
        servedMs: servedAt - started,
        endToEndMs: Math.max(at, servedAt) - started,
        serverMs: Date.parse(run.finishedAt ?? '') - Date.parse(run.createdAt),
        builds: run.steps.filter((s) => s.name === 'build' || s.name === 'push').length,
        sameDigest: release.image.digest === source.release.image.digest,
      });
    }
    const endToEnd = median(samplesTaken.map((s) => s.endToEndMs));
    const clean = samplesTaken.every((s) => s.builds === 0 && s.sameDigest);
    return [
      heading('Promotion end to end (local platform)'),
      `${PROMOTIONS} promotions of two staging releases of node-web to production in turn (a warm-up before them, not counted);`,
      'end to end = POST promotions → the run deployed and production serving the promoted build, whichever is later',
      '',
      table(
        ['#', 'run deployed ms', 'served ms', 'end to end ms', 'server ms', 'build steps', 'same digest'],
        samplesTaken.map((s, i) => [
          String(i + 1),
          fixed(s.deployedMs, 0),
          fixed(s.servedMs, 0),
          fixed(s.endToEndMs, 0),
          fixed(s.serverMs, 0),
          String(s.builds),
          s.sameDigest ? 'yes' : 'NO',
        ]),
        new Set([1, 2, 3, 4, 5]),
      ),
      `median end to end ${fixed(endToEnd, 0)} ms (target < ${PROMOTION_TARGET_MS} ms, no build step)  ${verdict(endToEnd < PROMOTION_TARGET_MS && clean)}`,
    ].join('\n');
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
