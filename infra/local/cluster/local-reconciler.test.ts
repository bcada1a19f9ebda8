import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../functions/lib/net.ts';
import type { SyncApp } from '../../../shared/deploy-ports.ts';
import type { MonolithProject } from '../../../shared/domain.ts';
import { renderRelease } from '../../../shared/manifests/render-release.ts';
import type { ReleaseIdentity } from '../../../shared/manifests/types.ts';
import { tenantUser } from '../tenant-sandbox.ts';
import { LocalReconciler, type LocalReconcilerOptions } from './local-reconciler.ts';

const NAMESPACE = 'wharf-ws1-dev';
const APP_PATH = 'apps/ws1/dev-user/storefront/dev';
const HOST = 'storefront-payments.localhost';
const SECRET_REF = 'ws1/storefront/API_KEY';
const SECRET_VALUE = 'sk-live-0123456789';
const app: SyncApp = { name: 'storefront-ws1-dev', path: APP_PATH, namespace: NAMESPACE };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const short = (commit: string) => commit.slice(0, 12);

// ---- fixtures: a bare GitOps repository, built artifacts, hand-written manifests -----------------

interface ArtifactOptions {
  /** The server starts listening only after this long. */
  startDelayMs?: number;
  /** The app prints a line and exits with code 1 instead of serving. */
  failOnStart?: boolean;
  /** What /healthz answers. */
  healthStatus?: number;
  /** Listens on this port instead of $PORT (an app with its port hard-coded). */
  listenPort?: number;
}

const serverSource = (version: string, options: ArtifactOptions) => `
const http = require('node:http');
const VERSION = ${JSON.stringify(version)};
console.log('starting ' + VERSION);
if (process.env.API_KEY) console.log('API_KEY=' + process.env.API_KEY);
if (${Boolean(options.failOnStart)}) {
  console.error('boom: cannot reach the payments API');
  process.exit(1);
}
setTimeout(() => {
  http
    .createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(${options.healthStatus ?? 200});
        res.end('ok');
      } else if (req.url === '/env') {
        res.end(JSON.stringify({ GREETING: process.env.GREETING, API_KEY: process.env.API_KEY, PORT: process.env.PORT }));
      } else if (req.url === '/crash') {
        res.end('bye');
        setTimeout(() => process.exit(3), 20);
      } else {
        res.end(JSON.stringify({ version: VERSION, pid: process.pid }));
      }
    })
    .listen(${options.listenPort ?? 'Number(process.env.PORT)'}, '127.0.0.1', () => console.log(VERSION + ' listening on ' + ${options.listenPort ?? 'process.env.PORT'}));
}, ${options.startDelayMs ?? 0});
`;

interface ManifestOptions {
  hex: string;
  replicas?: string;
  host?: string;
  greeting?: string;
  /** Adds an ExternalSecret and an API_KEY env var read from it. */
  secret?: boolean;
  readinessPath?: string;
  /** The readiness probe's failureThreshold (default: the kubelet's 3) and periodSeconds (default 5). */
  failureThreshold?: number;
  periodSeconds?: number;
}

const manifests = (o: ManifestOptions) => {
  const docs: string[] = [];
  if (o.secret) {
    docs.push(`apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: storefront-env
  namespace: ${NAMESPACE}
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
spec:
  refreshInterval: 1h
  secretStoreRef: { kind: ClusterSecretStore, name: wharf-secrets }
  target: { name: storefront-env, creationPolicy: Owner, deletionPolicy: Retain }
  data:
    - secretKey: API_KEY
      remoteRef: { key: ${SECRET_REF} }
`);
  }
  docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
  namespace: ${NAMESPACE}
  labels: { app.kubernetes.io/name: storefront }
spec:
  replicas: ${o.replicas ?? '1'}
  selector:
    matchLabels: { app.kubernetes.io/name: storefront }
  strategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
  template:
    metadata:
      labels: { app.kubernetes.io/name: storefront }
    spec:
      containers:
        - name: app
          image: registry.localhost/ws1/storefront:r1@sha256:${o.hex}
          ports: [{ name: http, containerPort: 3000, protocol: TCP }]
          env:
            - name: GREETING
              value: ${JSON.stringify(o.greeting ?? 'hello')}
${
  o.secret
    ? `            - name: API_KEY
              valueFrom: { secretKeyRef: { name: storefront-env, key: API_KEY } }
`
    : ''
}          readinessProbe:
            httpGet: { path: ${o.readinessPath ?? '/healthz'}, port: 3000 }
            periodSeconds: ${o.periodSeconds ?? 5}
            timeoutSeconds: ${Math.min(3, o.periodSeconds ?? 3)}
${o.failureThreshold === undefined ? '' : `            failureThreshold: ${o.failureThreshold}\n`}`);
  docs.push(`apiVersion: v1
kind: Service
metadata:
  name: storefront
  namespace: ${NAMESPACE}
spec:
  type: ClusterIP
  selector: { app.kubernetes.io/name: storefront }
  ports: [{ name: http, port: 80, targetPort: http, protocol: TCP }]
`);
  docs.push(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: storefront
  namespace: ${NAMESPACE}
spec:
  tls: [{ hosts: [${o.host ?? HOST}], secretName: storefront-tls }]
  rules:
    - host: ${o.host ?? HOST}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: storefront, port: { name: http } } }
`);
  return `# Rendered by hand for the local reconciler tests.\n${docs.map((d) => `---\n${d}`).join('')}`;
};

const databaseManifests = () => `---
apiVersion: v1
kind: Service
metadata: { name: orders-db, namespace: ${NAMESPACE} }
spec:
  clusterIP: None
  selector: { app.kubernetes.io/name: orders-db }
  ports: [{ name: postgres, port: 5432, targetPort: postgres }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: orders-db, namespace: ${NAMESPACE} }
spec:
  serviceName: orders-db
  selector: { matchLabels: { app.kubernetes.io/name: orders-db } }
  template:
    metadata: { labels: { app.kubernetes.io/name: orders-db } }
    spec:
      containers:
        - name: database
          image: postgres:16
          ports: [{ name: postgres, containerPort: 5432 }]
`;

function releaseFiles(
  path: string,
  manifestsText: string,
  options: { releaseNumber?: number; type?: string; name?: string } = {},
) {
  const identity: ReleaseIdentity = {
    appName: options.name ?? app.name,
    namespace: NAMESPACE,
    project: 'wharf-ws1',
    appPath: path,
    workspaceId: 'ws1',
    projectId: 'p1',
    projectName: 'storefront',
    environment: 'dev' as ReleaseIdentity['environment'],
    releaseId: `r${options.releaseNumber ?? 1}`,
    releaseNumber: options.releaseNumber ?? 1,
    runId: 'run1',
  };
  return {
    [`${path}/release.json`]: `${JSON.stringify(identity, null, 2)}\n`,
    [`${path}/values.yaml`]: `type: ${options.type ?? 'monolith'}\nrelease: { number: ${options.releaseNumber ?? 1} }\n`,
    [`${path}/manifests.yaml`]: manifestsText,
  };
}

class Fixture {
  readonly repoDir: string;
  readonly workTree: string;
  readonly artifactsDir: string;
  readonly logDir: string;
  private readonly env: Record<string, string>;

  constructor(readonly root: string) {
    this.repoDir = join(root, 'gitops.git');
    this.workTree = join(root, 'work');
    this.artifactsDir = join(root, 'artifacts');
    this.logDir = join(root, 'logs');
    this.env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Wharf',
      GIT_AUTHOR_EMAIL: 'wharf@example.invalid',
      GIT_COMMITTER_NAME: 'Wharf',
      GIT_COMMITTER_EMAIL: 'wharf@example.invalid',
    };
  }

  static async create(): Promise<Fixture> {
    const fixture = new Fixture(await mkdtemp(join(tmpdir(), 'wharf-reconciler-')));
    await mkdir(fixture.workTree, { recursive: true });
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', fixture.repoDir], {
      env: fixture.env,
    });
    return fixture;
  }

  private git(...args: string[]): string {
    return execFileSync('git', ['--git-dir', this.repoDir, '--work-tree', this.workTree, ...args], {
      env: this.env,
      encoding: 'utf8',
    }).trim();
  }

  /** Writes (or, with null, deletes) files and commits them; returns the commit id. */
  async commit(files: Record<string, string | null>, message = 'change'): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.workTree, path);
      if (content === null) await rm(full, { recursive: true, force: true });
      else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /** A built Node app folder under artifactsDir, named by a digest; returns the digest's hex. */
  async artifact(version: string, options: ArtifactOptions = {}): Promise<string> {
    const hex = createHash('sha256')
      .update(JSON.stringify([version, options]))
      .digest('hex');
    const dir = join(this.artifactsDir, hex);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'storefront',
        version: '1.0.0',
        private: true,
        scripts: { start: 'node server.js' },
      }),
    );
    await writeFile(join(dir, 'server.js'), serverSource(version, options));
    return hex;
  }

  async staticArtifact(html: string): Promise<string> {
    const hex = createHash('sha256').update(html).digest('hex');
    const dir = join(this.artifactsDir, hex);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.html'), html);
    return hex;
  }
}

function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Like the gateway: look the host up, then send the request to that port. */
async function viaGateway(reconciler: LocalReconciler, host: string, path = '/') {
  const route = reconciler.route(host);
  if (!route) throw new Error(`no route for ${host}`);
  return get(route.port, path);
}

async function version(reconciler: LocalReconciler): Promise<{ version: string; pid: number }> {
  const { body } = await viaGateway(reconciler, HOST);
  return JSON.parse(body) as { version: string; pid: number };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie waiting for its parent to reap it is not running.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose working directory is inside `dir` (Linux /proc). */
async function processesIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = await readlink(`/proc/${entry}/cwd`);
      if (cwd.startsWith(dir) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return found;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const refused = (port: number) =>
  get(port).then(
    () => false,
    () => true,
  );

// ---- tests -----------------------------------------------------------------------------------------

describe('LocalReconciler', () => {
  let fx: Fixture;
  const reconcilers: LocalReconciler[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const secrets = { get: async (ref: string) => (ref === SECRET_REF ? SECRET_VALUE : undefined) };

  const reconciler = (options: Partial<LocalReconcilerOptions> = {}) => {
    const created = new LocalReconciler({
      repoDir: fx.repoDir,
      artifactsDir: fx.artifactsDir,
      secrets,
      liveUrl: (host) => `http://${host}:8080`,
      logDir: fx.logDir,
      ...options,
    });
    reconcilers.push(created);
    return created;
  };

  const syncTo = async (r: LocalReconciler, commit: string) => {
    await r.requestSync(app, commit);
    await r.settled(app);
    return r.status(app);
  };

  beforeEach(async () => {
    fx = await Fixture.create();
  });

  afterEach(async () => {
    await Promise.all(reconcilers.splice(0).map((r) => r.stop()));
    await rm(fx.root, { recursive: true, force: true });
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('syncs a monolith: Healthy at the revision, its host routed, the app serving over HTTP', async () => {
    const r = reconciler();
    const hex = await fx.artifact('v1');
    const commit = await fx.commit(releaseFiles(APP_PATH, manifests({ hex })));
    expect(await r.status(app)).toMatchObject({ health: 'Missing', sync: 'Unknown' });

    await r.requestSync(app, commit);
    expect(await r.status(app)).toMatchObject({ sync: 'OutOfSync', health: 'Progressing' });
    await r.settled(app);

    const status = await r.status(app);
    expect(status).toMatchObject({ revision: commit, sync: 'Synced', health: 'Healthy' });
    expect(status.message).toContain(`http://${HOST}:8080`);
    expect(r.route(HOST)).toEqual({ port: expect.any(Number) });
    expect(r.route('StoreFront-Payments.LOCALHOST:8080')).toEqual(r.route(HOST));
    expect(r.route('other.localhost')).toBeUndefined();
    expect((await version(r)).version).toBe('v1');
    const env = JSON.parse((await viaGateway(r, HOST, '/env')).body) as Record<string, string>;
    expect(env).toMatchObject({ GREETING: 'hello', PORT: String(r.route(HOST)?.port) });
    expect(r.output(app).join('\n')).toContain('v1 listening');
    expect(await readFile(join(fx.logDir, `${app.name}.log`), 'utf8')).toContain('v1 listening');
  });

  it('rolls out a new artifact without downtime: the old version serves until the new one is ready', async () => {
    const r = reconciler();
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(r, c1);
    const first = await version(r);
    const oldPort = r.route(HOST)?.port ?? 0;

    const hex2 = await fx.artifact('v2', { startDelayMs: 800 });
    const c2 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex2 }), { releaseNumber: 2 }));
    const seen: string[] = [];
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          seen.push((await version(r)).version);
        } catch (error) {
          failures.push((error as Error).message);
        }
        await sleep(20);
      }
    })();

    await r.requestSync(app, c2);
    expect(await r.status(app)).toMatchObject({ revision: c1, sync: 'OutOfSync', health: 'Progressing' });
    await r.settled(app);
    expect(await r.status(app)).toMatchObject({ revision: c2, sync: 'Synced', health: 'Healthy' });
    await sleep(1_500); // past the old version's drain time
    polling = false;
    await poller;

    expect(failures).toEqual([]);
    expect(seen[0]).toBe('v1');
    expect(seen.at(-1)).toBe('v2');
    expect(seen.lastIndexOf('v1')).toBeLessThan(seen.indexOf('v2'));
    expect(r.route(HOST)?.port).not.toBe(oldPort);
    expect(await refused(oldPort)).toBe(true);
    expect(alive(first.pid)).toBe(false);
  });

  it('keeps the old version serving when the new one fails readiness (exits 1): Degraded with its output', async () => {
    const r = reconciler();
    const hex1 = await fx.artifact('v1');
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex1 })));
    await syncTo(r, c1);
    const before = await version(r);

    const c2 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v2', { failOnStart: true }) }), {
        releaseNumber: 2,
      }),
    );
    const startedAt = Date.now();
    const status = await syncTo(r, c2);
    expect(Date.now() - startedAt).toBeLessThan(15_000); // failed fast, not at the 30 s timeout
    expect(status).toMatchObject({ revision: c2, sync: 'Synced', health: 'Degraded' });
    expect(status.message).toContain('exited with code 1');
    expect(status.message).toContain('boom: cannot reach the payments API');
    expect(status.message).toContain('The previous version keeps serving');
    expect(await version(r)).toEqual(before);

    // Rolling back re-commits the release that still runs: nothing restarts.
    const c3 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex1 }), { releaseNumber: 3 }));
    expect(await syncTo(r, c3)).toMatchObject({ revision: c3, sync: 'Synced', health: 'Healthy' });
    expect(await version(r)).toEqual(before);
  });

  it('a sync asked again while its revision rolls out (as CheckSync does) is not replayed: Degraded with the cause, then the rollback starts nothing', async () => {
    const r = reconciler({ readinessTimeoutMs: 1_500 });
    const hex1 = await fx.artifact('v1');
    const hex2 = await fx.artifact('v2', { healthStatus: 503 });
    const starts = (hex: string) =>
      r
        .output(app)
        .filter((line) => line.includes(': starting ') && line.includes(`sha256:${hex.slice(0, 12)}`)).length;
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex1 })));
    await syncTo(r, c1);
    const before = await version(r);

    const c2 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex2 }), { releaseNumber: 2 }));
    await r.requestSync(app, c2);
    await until('the new version starting', () => (starts(hex2) === 1 ? true : undefined));
    await r.requestSync(app, c2); // the workflow's periodic re-request while it waits
    const degraded = await until('Degraded at the new revision', async () => {
      const status = await r.status(app);
      return status.revision === c2 && status.health !== 'Progressing' ? status : undefined;
    });
    expect(degraded).toMatchObject({ sync: 'Synced', health: 'Degraded' });
    expect(degraded.message).toContain('GET /healthz on :3000 → 503');
    expect(degraded.message).toContain('The previous version keeps serving');

    // RollBackToPrevious commits the previous release again and asks for its sync.
    const c3 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex1 }), { releaseNumber: 3 }));
    expect(await syncTo(r, c3)).toMatchObject({ revision: c3, sync: 'Synced', health: 'Healthy' });
    expect(await version(r)).toEqual(before);
    expect(starts(hex2)).toBe(1);
    expect(starts(hex1)).toBe(1);
  });

  it('a crash of the old version during a rollout does not replay the old revision over the new one', async () => {
    const r = reconciler();
    const hex1 = await fx.artifact('v1');
    const hex2 = await fx.artifact('v2', { startDelayMs: 1_500 });
    const starts = (hex: string) =>
      r
        .output(app)
        .filter((line) => line.includes(': starting ') && line.includes(`sha256:${hex.slice(0, 12)}`)).length;
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex1 })));
    await syncTo(r, c1);
    const c2 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex2 }), { releaseNumber: 2 }));
    await r.requestSync(app, c2);
    await until('the new version starting', () => (starts(hex2) === 1 ? true : undefined));
    await viaGateway(r, HOST, '/crash'); // the old version exits while the new one gets ready
    await sleep(1_200); // past the 1 s restart delay
    await r.settled(app);
    expect(await r.status(app)).toMatchObject({ revision: c2, sync: 'Synced', health: 'Healthy' });
    expect((await version(r)).version).toBe('v2');
    expect(starts(hex1)).toBe(1);
  });

  it('reports Degraded when the new version never passes its readiness probe', async () => {
    // Generous enough for a loaded CI machine to start the app and answer 503 before the deadline.
    const r = reconciler({ readinessTimeoutMs: 8_000 });
    const c1 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1', { healthStatus: 503 }) })),
    );
    const status = await syncTo(r, c1);
    expect(status).toMatchObject({ revision: c1, health: 'Degraded' });
    expect(status.message).toContain('was not ready within 8 s: GET /healthz on :3000 → 503');
    expect(status.message).toContain('v1 listening');
    expect(r.route(HOST)).toBeUndefined();
  });

  it("fails within the probe's budget (failureThreshold × period), naming path, port and status, and logs the wait", async () => {
    const r = reconciler({ readinessTimeoutMs: 30_000 });
    const hex = await fx.artifact('v1', { healthStatus: 404 });
    const c1 = await fx.commit(
      releaseFiles(
        APP_PATH,
        manifests({ hex, readinessPath: '/healthz', periodSeconds: 1, failureThreshold: 2 }),
      ),
    );
    const started = Date.now();
    await r.requestSync(app, c1);
    // While it waits, the status says what the probe got, and its log streams the app's output.
    await until('the probe to answer', async () => {
      const s = await r.status(app);
      return s.message?.includes('→ 404') ? s : undefined;
    });
    await r.settled(app);
    const elapsed = Date.now() - started;
    const status = await r.status(app, { logAfter: 0 });
    expect(status).toMatchObject({ revision: c1, health: 'Degraded' });
    expect(status.message).toContain('was not ready within 2 s: GET /healthz on :3000 → 404');
    // The budget is 2 s; starting node and stopping it take the rest.
    expect(elapsed).toBeLessThan(8_000);
    const lines = status.log?.lines ?? [];
    expect(lines).toContain('[wharf] probing GET /healthz on :3000 for up to 2 s');
    expect(lines).toContain('[wharf] GET /healthz on :3000 → 404');
    expect(lines.some((line) => /^\[:\d+\] v1 listening on \d+$/.test(line))).toBe(true);
    // The lines reach the run log: no folder of the server is named in them.
    expect(
      lines.filter((line) => [fx.repoDir, fx.artifactsDir, fx.logDir].some((d) => line.includes(d))),
    ).toEqual([]);
    // A later call after `next` gets only what came since.
    expect((await r.status(app, { logAfter: status.log?.next })).log?.lines).toEqual([]);
  });

  it('names the port the app printed when nothing listens on the probed one', async () => {
    const r = reconciler({ readinessTimeoutMs: 30_000 });
    const hex = await fx.artifact('v1', { listenPort: await freePort() });
    const c1 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex, periodSeconds: 1, failureThreshold: 2 })),
    );
    const status = await syncTo(r, c1);
    expect(status).toMatchObject({ revision: c1, health: 'Degraded' });
    expect(status.message).toMatch(
      /not ready within 2 s: nothing listens on :3000 — the app printed "v1 listening on \d+"/,
    );
  });

  it('counts down the wait in the log every 5 s', async () => {
    const r = reconciler({ readinessTimeoutMs: 6_000 });
    const hex = await fx.artifact('v1', { healthStatus: 503 });
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex })));
    await syncTo(r, c1);
    const lines = (await r.status(app, { logAfter: 0 })).log?.lines ?? [];
    expect(lines).toContain('[wharf] waiting for GET /healthz on :3000 (1 s left)');
  });

  it('rejects an invalid manifest with the validator message and leaves the running version alone', async () => {
    const r = reconciler();
    const hex = await fx.artifact('v1');
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex })));
    await syncTo(r, c1);
    const before = await version(r);

    const c2 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex, replicas: '"two"' }), { releaseNumber: 2 }),
    );
    const status = await syncTo(r, c2);
    expect(status).toMatchObject({ revision: c2, health: 'Degraded', operationFailed: true });
    expect(status.message).toContain('Deployment "storefront"');
    expect(status.message).toContain('spec.replicas must be integer');
    expect(await version(r)).toEqual(before);
  });

  it('stops the process when the app folder is deleted (pruned)', async () => {
    const r = reconciler();
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(r, c1);
    const { pid } = await version(r);
    const port = r.route(HOST)?.port ?? 0;

    const c2 = await fx.commit(
      { [APP_PATH]: null, 'apps/README.md': 'other apps live here\n' },
      'delete storefront',
    );
    const status = await syncTo(r, c2);
    expect(status).toMatchObject({ revision: c2, sync: 'Synced', health: 'Missing' });
    expect(r.route(HOST)).toBeUndefined();
    expect(await refused(port)).toBe(true);
    await until('the app process to end', () => (alive(pid) ? undefined : true));
  });

  it('stops the app when a commit prunes its folder, without a sync request (the ApplicationSet deletes it)', async () => {
    const r = reconciler();
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(r, c1);
    const { pid } = await version(r);
    const port = r.route(HOST)?.port ?? 0;

    const c2 = await fx.commit({ [APP_PATH]: null }, 'delete storefront');
    await r.refresh(c2);
    await r.settled(app);
    expect(await r.status(app)).toMatchObject({ revision: c2, sync: 'Synced', health: 'Missing' });
    expect(r.route(HOST)).toBeUndefined();
    expect(await refused(port)).toBe(true);
    await until('the app process to end', () => (alive(pid) ? undefined : true));
  });

  it('refuses to route a host that another project holds: Degraded, naming the host, nothing started', async () => {
    const asked: string[] = [];
    const r = reconciler({
      hostOwner: async (host) => {
        asked.push(host);
        return { projectId: host === HOST ? 'p2' : 'p1' };
      },
    });
    const status = await syncTo(
      r,
      await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') }))),
    );
    expect(asked).toEqual([HOST]);
    expect(status).toMatchObject({ sync: 'Synced', health: 'Degraded' });
    expect(status.message).toContain(`host ${HOST} is claimed by another project`);
    expect(r.route(HOST)).toBeUndefined();
    expect(await processesIn(fx.artifactsDir)).toEqual([]);

    const mine = reconciler({ hostOwner: async () => ({ projectId: 'p1' }) });
    expect(
      await syncTo(
        mine,
        await fx.commit(
          releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v2') }), { releaseNumber: 2 }),
        ),
      ),
    ).toMatchObject({ health: 'Healthy' });
    expect(mine.route(HOST)).toEqual({ port: expect.any(Number) });
  });

  it('serves each environment of one project at its own host, with its own variables (rendered by Wharf)', async () => {
    const hex = await fx.artifact('v1');
    const project: MonolithProject = {
      id: 'p1',
      workspaceId: 'ws1',
      name: 'storefront',
      type: 'monolith',
      environments: ['staging', 'production'],
      // Production has a custom domain: its platform host must keep serving next to it.
      domain: 'shop.example.com',
      environmentSettings: {
        staging: {
          env: [{ name: 'GREETING', secret: false, value: 'hello from staging' }],
          // An HPA-owned Deployment (no fixed replicas) still runs.
          autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuPercent: 70 },
        },
      },
      env: [{ name: 'GREETING', secret: false, value: 'hello' }],
      repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
      port: 3000,
      autoDeploy: true,
      replicas: 1,
      healthCheckPath: '/healthz',
      createdBy: 'dev-user',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      revision: 1,
    };
    const rendered = (['staging', 'production'] as const).map((environment) =>
      renderRelease({
        workspace: { id: 'ws1', name: 'payments' },
        project,
        environment,
        release: { id: `r-${environment}`, number: 1, runId: `run-${environment}` },
        image: { reference: 'registry.localhost/ws1/storefront:r1', digest: `sha256:${hex}` },
        platform: { domain: 'localhost', clusterIssuer: 'local', secretStore: 'wharf-secrets' },
      }),
    );
    const r = reconciler({ hostOwner: async () => ({ projectId: 'p1' }) });
    const commit = await fx.commit(
      Object.fromEntries(rendered.flatMap((release) => release.files.map((f) => [f.path, f.content]))),
    );
    for (const release of rendered) {
      const target: SyncApp = { name: release.appName, path: release.path, namespace: release.namespace };
      await r.requestSync(target, commit);
      await r.settled(target);
      expect(await r.status(target), release.appName).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    }
    const [staging, production] = rendered.map((release) => release.host as string);
    expect(staging).not.toBe(production);
    expect(r.route(staging as string)?.port).not.toBe(r.route(production as string)?.port);
    const greeting = async (host: string) =>
      (JSON.parse((await viaGateway(r, host, '/env')).body) as Record<string, string>).GREETING;
    expect(await greeting(staging as string)).toBe('hello from staging');
    expect(production).toBe('shop.example.com');
    expect(await greeting(production as string)).toBe('hello');
    const platformHost = 'storefront-payments-ws1.localhost';
    expect(r.route(platformHost)).toEqual(r.route('shop.example.com'));
    expect(await greeting(platformHost)).toBe('hello');
  });

  it('resolves secret env through the ExternalSecret and the secret store, and never logs the value', async () => {
    const r = reconciler();
    const hex = await fx.artifact('v1');
    const c1 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex, secret: true, greeting: 'hi $(API_KEY)' })),
    );
    expect(await syncTo(r, c1)).toMatchObject({ health: 'Healthy' });
    // The greeting refers to a variable defined after it, so it stays as written (Kubernetes' rule).
    expect(JSON.parse((await viaGateway(r, HOST, '/env')).body)).toMatchObject({
      API_KEY: SECRET_VALUE,
      GREETING: 'hi $(API_KEY)',
    });
    const output = r.output(app).join('\n');
    expect(output).toContain('API_KEY=****');
    expect(output).not.toContain(SECRET_VALUE);
    await r.stop();
    expect(await readFile(join(fx.logDir, `${app.name}.log`), 'utf8')).not.toContain(SECRET_VALUE);
  });

  it('reports Degraded, naming the reference, when the secret store has no value', async () => {
    const r = reconciler({ secrets: { get: async () => undefined } });
    const c1 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1'), secret: true })),
    );
    const status = await syncTo(r, c1);
    expect(status).toMatchObject({ revision: c1, health: 'Degraded' });
    expect(status.message).toContain(`env API_KEY: the secret store has no value for "${SECRET_REF}"`);
  });

  it('does not restart an identical digest and env at a new revision', async () => {
    const r = reconciler();
    const hex = await fx.artifact('v1');
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex })));
    await syncTo(r, c1);
    const before = { ...(await version(r)), port: r.route(HOST)?.port };

    const c2 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex }), { releaseNumber: 2 }));
    expect(await syncTo(r, c2)).toMatchObject({ revision: c2, sync: 'Synced', health: 'Healthy' });
    expect({ ...(await version(r)), port: r.route(HOST)?.port }).toEqual(before);

    // The same digest with different env is a different pod template: it restarts.
    const c3 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex, greeting: 'bonjour' }), { releaseNumber: 3 }),
    );
    expect(await syncTo(r, c3)).toMatchObject({ revision: c3, health: 'Healthy' });
    expect((await version(r)).pid).not.toBe(before.pid);
  });

  it('moves the route when only the host changes, without a restart', async () => {
    const r = reconciler();
    const hex = await fx.artifact('v1');
    await syncTo(r, await fx.commit(releaseFiles(APP_PATH, manifests({ hex }))));
    const port = r.route(HOST)?.port;
    await syncTo(r, await fx.commit(releaseFiles(APP_PATH, manifests({ hex, host: 'shop.localhost' }))));
    expect(r.route(HOST)).toBeUndefined();
    expect(r.route('shop.localhost')?.port).toBe(port);
  });

  it('validates but does not run databases, microservices or images without a local build', async () => {
    const r = reconciler();
    const dbApp: SyncApp = {
      name: 'orders-db-ws1-dev',
      path: 'apps/ws1/dev-user/orders-db/dev',
      namespace: NAMESPACE,
    };
    const c1 = await fx.commit(
      releaseFiles(dbApp.path, databaseManifests(), { type: 'database', name: dbApp.name }),
    );
    await r.requestSync(dbApp, c1);
    await r.settled(dbApp);
    expect(await r.status(dbApp)).toMatchObject({
      revision: c1,
      sync: 'Synced',
      health: 'Healthy',
      message: 'validated; not run locally (databases run only in a cluster)',
    });

    const c2 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: 'ab'.repeat(32) })));
    const status = await syncTo(r, c2);
    expect(status).toMatchObject({ revision: c2, sync: 'Synced', health: 'Healthy' });
    expect(status.message).toBe('validated; not run locally (no local build of sha256:abababababab)');
    expect(r.route(HOST)).toBeUndefined();
  });

  it('serves a static site with the built-in file server', async () => {
    const r = reconciler();
    const hex = await fx.staticArtifact('<!doctype html><h1>Storefront</h1>\n');
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex, readinessPath: '/' })));
    const status = await syncTo(r, c1);
    expect(status).toMatchObject({ revision: c1, health: 'Healthy' });
    expect(status.message).toContain('static files');
    const page = await viaGateway(r, HOST, '/');
    expect(page).toEqual({ status: 200, body: '<!doctype html><h1>Storefront</h1>\n' });
  });

  it('applies only the newest of several pending requests', async () => {
    const r = reconciler();
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    const c2 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v2') }), { releaseNumber: 2 }),
    );
    const c3 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v3') }), { releaseNumber: 3 }),
    );
    await r.requestSync(app, c1);
    await r.requestSync(app, c2);
    await r.requestSync(app, c3);
    await r.settled(app);
    expect(await r.status(app)).toMatchObject({ revision: c3, health: 'Healthy' });
    expect((await version(r)).version).toBe('v3');
    const output = r.output(app).join('\n');
    expect(output).toContain(`${short(c1)}: starting`);
    expect(output).not.toContain(`${short(c2)}: starting`);
  });

  it('restarts an app that crashes, reporting Degraded meanwhile', async () => {
    const r = reconciler();
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(r, c1);
    const before = await version(r);
    await viaGateway(r, HOST, '/crash');
    const degraded = await until('Degraded', async () => {
      const status = await r.status(app);
      return status.health === 'Degraded' ? status : undefined;
    });
    expect(degraded.message).toContain('exited with code 3; restarting in 1 s');
    await until('the restart', async () => ((await r.status(app)).health === 'Healthy' ? true : undefined));
    await r.settled(app);
    const after = await version(r);
    expect(after.version).toBe('v1');
    expect(after.pid).not.toBe(before.pid);
    expect(await r.status(app)).toMatchObject({ revision: c1, sync: 'Synced', health: 'Healthy' });
    // The services API sees the one Deployment its process runs, with the restart counted.
    const [workload] = await r.workloads(app);
    expect(workload).toMatchObject({
      kind: 'Deployment',
      name: 'storefront',
      replicas: 1,
      readyReplicas: 1,
      restarts: 1,
      health: 'Healthy',
      local: [{ containerPort: 3000, host: '127.0.0.1', port: r.route(HOST)?.port }],
    });
    expect(workload?.images[0]).toMatch(/@sha256:[0-9a-f]{64}$/);
  });

  it('lists no workloads for an app it does not run, and says CronJobs need the container runtime', async () => {
    const r = reconciler();
    expect(await r.workloads(app)).toEqual([]);
    await expect(r.runCronJob(app, 'orders-db-backup')).rejects.toThrow(
      /CronJob orders-db-backup of storefront-ws1-dev can't run: CronJobs need the container runtime/,
    );
  });

  it('start() on a new instance brings back every app at the repository head', async () => {
    const first = reconciler();
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(first, c1);
    await first.stop();
    expect(first.route(HOST)).toBeUndefined();

    const second = reconciler();
    const started = await second.start();
    expect(started.apps).toEqual([app]);
    expect(await second.status(app)).toMatchObject({ revision: c1, sync: 'Synced', health: 'Healthy' });
    expect((await version(second)).version).toBe('v1');
  });

  it('stop() leaves no processes behind', async () => {
    // The apps' working trees go here (outside the fixture root, as outside the data folder).
    const appsDir = await mkdtemp(join(tmpdir(), 'wharf-apps-'));
    await chmod(appsDir, 0o711);
    cleanups.push(() => rm(appsDir, { recursive: true, force: true }));
    const r = reconciler({ workDir: appsDir });
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(r, c1);
    const { pid } = await version(r);
    const port = r.route(HOST)?.port ?? 0;
    // A rollout in flight when the platform stops: its new process must not survive either.
    const c2 = await fx.commit(
      releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v2', { startDelayMs: 10_000 }) }), {
        releaseNumber: 2,
      }),
    );
    await r.requestSync(app, c2);
    await until('the second process', () =>
      r.output(app).some((line) => line.includes('starting v2')) ? true : undefined,
    );
    expect((await processesIn(appsDir)).length).toBeGreaterThanOrEqual(4); // npm and node, twice
    await r.stop();
    expect(alive(pid)).toBe(false);
    expect(await refused(port)).toBe(true);
    expect(r.route(HOST)).toBeUndefined();
    expect(await processesIn(appsDir)).toEqual([]);
  });

  it("runs an app away from the platform's files and variables, and names no server path when it can't start", async () => {
    // The fixture's root stands for the data folder: the platform's files sit next to artifacts/.
    await writeFile(join(fx.root, 'secrets.json'), '{"ws1/other/API_KEY":"not yours"}', { mode: 0o600 });
    const hex = 'cd'.repeat(32);
    const dir = join(fx.artifactsDir, hex);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'nosy', version: '1.0.0', main: 'server.js' }),
    );
    await writeFile(
      join(dir, 'server.js'),
      `const fs = require('node:fs');
const path = require('node:path');
const dataDir = ${JSON.stringify(fx.root)};
require('node:http').createServer((req, res) => {
  let secrets = 'read';
  try { fs.readFileSync(path.join(dataDir, 'secrets.json')); } catch (error) { secrets = error.code; }
  let upwards = 'none';
  for (let d = process.cwd(); d !== path.dirname(d); d = path.dirname(d)) {
    try { fs.readFileSync(path.join(d, 'secrets.json')); upwards = d; } catch {}
  }
  res.end(JSON.stringify({
    secrets,
    upwards,
    cwdInDataDir: process.cwd().startsWith(dataDir),
    platformEnv: Object.keys(process.env).filter((k) => /^(WHARF_|AWS_|DYNAMODB_|SFN_)/.test(k)),
    platformPaths: Object.keys(process.env).filter((k) => process.env[k].includes(dataDir)),
  }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
    );
    process.env.WHARF_SECRETS_FILE = join(fx.root, 'secrets.json');
    process.env.AWS_SECRET_ACCESS_KEY = 'platform-only';
    try {
      const r = reconciler();
      const status = await syncTo(r, await fx.commit(releaseFiles(APP_PATH, manifests({ hex }))));
      expect(status, status.message).toMatchObject({ health: 'Healthy' });
      const probe = JSON.parse((await viaGateway(r, HOST, '/probe')).body);
      expect(probe).toMatchObject({
        upwards: 'none',
        cwdInDataDir: false,
        platformEnv: [],
        platformPaths: [],
      });
      // Running as root with setpriv here: the app runs as nobody and can't open the data folder.
      if (tenantUser()) expect(probe.secrets).toBe('EACCES');
    } finally {
      delete process.env.WHARF_SECRETS_FILE;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }

    // Built files that can't be copied to a working tree (a FIFO among them): the reason says so
    // without the server's folders.
    const hex2 = 'ce'.repeat(32);
    await cp(dir, join(fx.artifactsDir, hex2), { recursive: true });
    execFileSync('mkfifo', [join(fx.artifactsDir, hex2, 'pipe')]);
    const r2 = reconciler();
    const failed = await syncTo(
      r2,
      await fx.commit(releaseFiles(APP_PATH, manifests({ hex: hex2 }), { releaseNumber: 2 })),
    );
    expect(failed.message).toMatch(/could not start: Cannot copy a FIFO pipe/);
    // Neither the data folder nor the app's working tree (both under the temporary folder here).
    expect(failed.message).not.toContain(tmpdir());
  });

  it('start() first stops the app processes a killed platform left running (only those it recorded)', async () => {
    const processDir = join(fx.root, 'processes');
    // The platform that gets killed: its reconciler is never stopped, its processes keep running.
    const killed = reconciler({ processDir });
    const c1 = await fx.commit(releaseFiles(APP_PATH, manifests({ hex: await fx.artifact('v1') })));
    await syncTo(killed, c1);
    const old = await version(killed);
    const oldPort = killed.route(HOST)?.port ?? 0;
    // A record whose pid is now another program (pid reuse) must not be killed.
    const bystander = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    await mkdir(processDir, { recursive: true });
    await writeFile(
      join(processDir, `${bystander.pid}.json`),
      JSON.stringify({ pid: bystander.pid, startedAt: 'Thu Jan  1 00:00:00 1970', args: ['run', 'start'] }),
    );

    const restarted = reconciler({ processDir });
    await restarted.start();
    expect(alive(old.pid)).toBe(false);
    expect(await refused(oldPort)).toBe(true);
    expect(alive(bystander.pid as number)).toBe(true);
    bystander.kill('SIGKILL');
    // The app is back, in a process of the new platform.
    const now = await version(restarted);
    expect(now.version).toBe('v1');
    expect(now.pid).not.toBe(old.pid);
  });

  it('refuses requests that are not an app folder at a commit', async () => {
    const r = reconciler();
    await expect(r.requestSync({ ...app, path: '../etc' }, 'a'.repeat(40))).rejects.toThrow(
      /not an app folder/,
    );
    await expect(r.requestSync(app, '--output=/tmp/x')).rejects.toThrow(/not a commit id/);
    await r.requestSync(app, 'f'.repeat(40));
    await r.settled(app);
    expect(await r.status(app)).toMatchObject({ health: 'Unknown', operationFailed: true });
  });
});
