import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { freePort } from '../../../functions/lib/net.ts';
import { legacyDatabasePasswordRef as databasePasswordRef } from '../../../shared/databases.ts';
import type { SyncApp } from '../../../shared/deploy-ports.ts';
import type { DatabaseProject, MicroservicesProject, MonolithProject } from '../../../shared/domain.ts';
import { renderRelease } from '../../../shared/manifests/render-release.ts';
import type { ReleaseRenderInput, RenderedRelease } from '../../../shared/manifests/types.ts';
import { containerEnvironment } from '../containers/environment.ts';
import { LocalReconciler } from './local-reconciler.ts';
import { PodmanCli } from './podman/podman-cli.ts';

/**
 * Container mode against real tools: a docker-registry of its own, images built with buildah from
 * scratch + busybox, manifests rendered by Wharf and committed to a bare GitOps repository, and
 * podman running them. Skipped, with the reason, where the tools are missing.
 */

const TOOLS = ['podman', 'buildah', 'docker-registry', 'runc'];
const missing = TOOLS.filter((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  console.warn(
    `podman-reconciler.test.ts skipped: ${missing.join(', ')} not installed (apt-get install buildah podman runc slirp4netns docker-registry)`,
  );
}

const WORKSPACE = { id: 'ws1', name: 'payments' };
const PLATFORM = { domain: 'localhost', clusterIssuer: 'local', secretStore: 'wharf-secrets' };
const API_KEY_REF = 'wharf/ws1/p1/API_KEY/t1';
const API_KEY = 'sk-test-4242424242';
const DB_PASSWORD = 'db-pass-s3cret';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const base = {
  workspaceId: WORKSPACE.id,
  environments: ['production' as const],
  createdBy: 'dev-user',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  revision: 1,
};

describe.skipIf(missing.length > 0)('LocalReconciler in container mode (podman)', () => {
  let root: string;
  let registry: string;
  let registryProcess: ChildProcess | undefined;
  let env: Record<string, string>;
  let podman: PodmanCli;
  let repoDir: string;
  let workTree: string;
  const images: Record<string, string> = {};
  const reconcilers: LocalReconciler[] = [];
  const secretValues: Record<string, string> = {
    [API_KEY_REF]: API_KEY,
    [databasePasswordRef(WORKSPACE.id, 'p2')]: DB_PASSWORD,
  };
  const gitEnv = () => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: root,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Wharf',
    GIT_AUTHOR_EMAIL: 'wharf@example.invalid',
    GIT_COMMITTER_NAME: 'Wharf',
    GIT_COMMITTER_EMAIL: 'wharf@example.invalid',
  });
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', repoDir, '--work-tree', workTree, ...args], {
      env: gitEnv(),
      encoding: 'utf8',
    }).trim();

  async function commit(files: Record<string, string | null>): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(workTree, path);
      if (content === null) await rm(full, { recursive: true, force: true });
      else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
    git('add', '--all');
    git('commit', '--quiet', '--allow-empty', '-m', 'release');
    return git('rev-parse', 'HEAD');
  }

  const filesOf = (release: RenderedRelease, edit?: (docs: Record<string, unknown>[]) => void) => {
    const files = Object.fromEntries(release.files.map((f) => [f.path, f.content]));
    if (edit) {
      const path = `${release.path}/manifests.yaml`;
      const docs = parseAllDocuments(files[path] as string).map((d) => d.toJS() as Record<string, unknown>);
      edit(docs);
      files[path] = docs.map((doc) => `---\n${stringify(doc)}`).join('');
    }
    return files;
  };

  /** buildah from scratch + busybox (LOCAL-CONTAINERS §3a), pushed to the test's registry; returns `repo@digest`. */
  async function image(name: string, containerfile: string, files: Record<string, string> = {}) {
    const dir = join(root, 'images', name);
    await mkdir(dir, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
      if (path.startsWith('bin/')) await chmod(join(dir, path), 0o755);
    }
    await writeFile(join(dir, 'Containerfile'), containerfile);
    const buildEnv = { ...process.env, ...env };
    const local = `localhost/test/${name}`;
    execFileSync('buildah', ['bud', '--quiet', '--isolation', 'chroot', '-t', local, dir], { env: buildEnv });
    const digestFile = join(dir, 'digest');
    const remote = `${registry}/ws1/${name}`;
    execFileSync(
      'buildah',
      ['push', '--quiet', '--tls-verify=false', '--digestfile', digestFile, local, `docker://${remote}:1`],
      { env: buildEnv },
    );
    // Only the registry has it, as after a build on another machine: podman pulls by digest.
    execFileSync('buildah', ['rmi', local], { env: buildEnv, stdio: 'ignore' });
    return { repository: `${remote}:1`, digest: (await readFile(digestFile, 'utf8')).trim() };
  }

  const reconciler = (options: { readinessTimeoutMs?: number } = {}) => {
    const r = new LocalReconciler({
      repoDir,
      artifactsDir: join(root, 'artifacts'),
      secrets: { get: async (ref) => secretValues[ref] },
      liveUrl: (host) => `http://${host}:8080`,
      readinessTimeoutMs: options.readinessTimeoutMs ?? 15_000,
      containers: {
        env,
        registry,
        resolveImage: async (ref) => {
          if (ref === 'postgres:16') return images.postgres as string;
          throw new Error(`no local image for ${ref}`);
        },
      },
    });
    reconcilers.push(r);
    return r;
  };

  const podNames = async (filter: string) =>
    (await podman.ok('ps', ['pod', 'ps', '--format', '{{.Name}}', '--filter', `label=${filter}`]))
      .split('\n')
      .filter(Boolean)
      .sort();
  const containerOf = async (app: string, workload: string) =>
    (
      await podman.ok('ps', [
        'ps',
        '--format',
        '{{.Names}}',
        '--filter',
        `label=wharf.local/app=${app}`,
        '--filter',
        `label=wharf.local/workload=${workload}`,
      ])
    )
      .split('\n')
      .filter(Boolean);
  const exec = async (container: string, script: string) =>
    (await podman.ok('exec', ['exec', container, 'sh', '-c', script])).trim();

  /**
   * The pods with `label` once a failed rollout's have gone: they are removed right after the Degraded
   * report, so a check straight after it may still see them. Gives up after 10 s (and the test fails).
   */
  async function podsOnceCleanedUp(label: string, count: number): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    let pods = await podNames(label);
    while (pods.length !== count && Date.now() < deadline) {
      await sleep(100);
      pods = await podNames(label);
    }
    return pods;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wf-podman-'));
    repoDir = join(root, 'gitops.git');
    workTree = join(root, 'work');
    await mkdir(workTree, { recursive: true });
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', repoDir], {
      env: gitEnv(),
    });

    // The registry (LOCAL-CONTAINERS §2) on a free loopback port, data in the temp folder.
    const port = await freePort();
    registry = `127.0.0.1:${port}`;
    const config = join(root, 'registry.yml');
    await writeFile(
      config,
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}/registry-data\nhttp:\n  addr: ${registry}\n`,
    );
    registryProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const up = await get(port, '/v2/').then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      if (i > 100) throw new Error('docker-registry did not start');
      await sleep(50);
    }
    env = (await containerEnvironment(join(root, 'data'), { registry })).env;
    podman = new PodmanCli(env);

    const started = Date.now();
    const www = (text: string) => ({ 'www/index.html': `<h1>${text}</h1>\n` });
    await mkdir(join(root, 'images', 'base'), { recursive: true });
    execFileSync('cp', ['/bin/busybox', join(root, 'images', 'base', 'busybox')]);
    await writeFile(
      join(root, 'images', 'base', 'Containerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nRUN ["/bin/busybox", "sh", "-c", "mkdir -p /tmp && chmod 1777 /tmp"]\n',
    );
    execFileSync(
      'buildah',
      ['bud', '--quiet', '--isolation', 'chroot', '-t', 'localhost/test/base', join(root, 'images', 'base')],
      { env: { ...process.env, ...env } },
    );
    const web = (text: string) =>
      image(
        `web-${text}`,
        'FROM localhost/test/base\nCOPY www /www\nSTOPSIGNAL SIGKILL\nCMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]\n',
        www(text),
      );
    const [v1, v2] = [await web('v1'), await web('v2')];
    images.v1 = `${v1.repository}@${v1.digest}`;
    images.v2 = `${v2.repository}@${v2.digest}`;
    const broken = await image(
      'web-broken',
      'FROM localhost/test/base\nSTOPSIGNAL SIGKILL\nCMD ["sh", "-c", "echo starting v3; echo boom: cannot open the orders database >&2; exit 2"]\n',
    );
    images.broken = `${broken.repository}@${broken.digest}`;
    // A stand-in for postgres (the real one is the stack's acceptance): it counts its starts in its volume.
    const pg = await image(
      'fake-postgres',
      'FROM localhost/test/base\nCOPY bin /usr/local/bin\nSTOPSIGNAL SIGKILL\nCMD ["/usr/local/bin/start"]\n',
      {
        'bin/pg_isready': '#!/bin/sh\ntest -f /tmp/ready\n',
        'bin/start':
          // The password's length, never the password, lands in the file.
          '#!/bin/sh\nset -e\necho "start as $(id -u) password=$(printf %s "$POSTGRES_PASSWORD" | wc -c)" >> /var/lib/postgresql/starts\ntouch /tmp/ready\nexec httpd -f -p 5432 -h /var/lib/postgresql\n',
      },
    );
    images.postgres = `${pg.repository}@${pg.digest}`;
    console.log(`images built and pushed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(reconcilers.map((r) => r.stop()));
    if (podman) {
      await podman.run(['pod', 'rm', '--all', '--force', '--time', '0']);
      await podman.run(['volume', 'prune', '--force']);
      await podman.run(['system', 'reset', '--force']);
    }
    registryProcess?.kill('SIGKILL');
    if (!root) return;
    // The store's short run folder (tmp_dir) lives outside the data folder: it goes too.
    const conf = await readFile(join(root, 'data', 'containers', 'containers.conf'), 'utf8').catch(() => '');
    const tmpDir = /tmp_dir = "([^"]+)"/.exec(conf)?.[1];
    if (tmpDir?.startsWith('/run/wharf/')) await rm(tmpDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  // ---- a monolith's life: release, rollout, broken release, rollback, restart ---------------------

  const monolith: MonolithProject = {
    ...base,
    id: 'p1',
    name: 'storefront',
    type: 'monolith',
    repository: { url: 'https://github.com/acme/storefront', branch: 'main' },
    port: 8080,
    autoDeploy: true,
    replicas: 2,
    healthCheckPath: '/',
    env: [
      { name: 'GREETING', secret: false, value: 'hello from the manifest' },
      { name: 'API_KEY', secret: true, secretRef: API_KEY_REF },
    ],
  };
  const renderMonolith = (number: number, imageRef: string) => {
    const [repository = '', digest] = imageRef.split('@');
    return renderRelease({
      workspace: WORKSPACE,
      project: monolith,
      environment: 'production',
      release: { id: `r${number}`, number, runId: `run${number}` },
      image: { reference: repository, digest },
      platform: PLATFORM,
    } as ReleaseRenderInput);
  };
  /** Adds a ConfigMap the container reads with envFrom, as a hand-edited folder would. */
  const withConfigMap = (docs: Record<string, unknown>[]) => {
    docs.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'storefront-settings',
        namespace: docs[0]?.metadata && (docs[0].metadata as { namespace: string }).namespace,
      },
      data: { THEME: 'dark-from-configmap' },
    });
    const deployment = docs.find((d) => d.kind === 'Deployment') as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    const container = deployment.spec.template.spec.containers[0] as Record<string, unknown>;
    container.envFrom = [{ configMapRef: { name: 'storefront-settings' } }];
  };

  let r1: LocalReconciler;
  let app: SyncApp;
  let host: string;
  let c1: string;
  let c2: string;
  const sync = async (r: LocalReconciler, commitId: string) => {
    await r.requestSync(app, commitId);
    await r.settled(app);
    return r.status(app);
  };
  const page = async (r: LocalReconciler) => {
    const route = r.route(host);
    if (!route) return undefined;
    return (await get(route.port)).body.trim();
  };

  it('runs a rendered monolith: every replica as a pod, its env from the ConfigMap and the secret store, the host routed', async () => {
    const release = renderMonolith(1, images.v1 as string);
    app = { name: release.appName, path: release.path, namespace: release.namespace };
    host = release.host as string;
    c1 = await commit(filesOf(release, withConfigMap));
    r1 = reconciler();
    const started = Date.now();
    const status = await sync(r1, c1);
    console.log(`first release (pull + 2 pods ready) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(status, status.message).toMatchObject({ revision: c1, sync: 'Synced', health: 'Healthy' });
    expect(status.message).toContain(`http://${host}:8080`);
    // What podman can't do is said per object, not dropped.
    expect(status.message).toMatch(
      /HorizontalPodAutoscaler storefront: not run locally \(podman has no autoscaler\); replicas fixed at 2/,
    );
    expect(await page(r1)).toBe('<h1>v1</h1>');
    const pods = await podNames(`wharf.local/app=${app.name}`);
    expect(pods).toHaveLength(2);
    const [container] = await containerOf(app.name, 'storefront');
    expect(await exec(container as string, 'echo "$GREETING|$THEME|$API_KEY"')).toBe(
      `hello from the manifest|dark-from-configmap|${API_KEY}`,
    );
    // The containers' own output reaches the app's log, as a process's does in process mode.
    for (let i = 0; i < 50 && !r1.output(app).some((l) => l.includes('response:200')); i++) await sleep(100);
    expect(r1.output(app).join('\n')).toMatch(/\[storefront-[01]\] .*response:200/);
    expect(r1.output(app).join('\n')).not.toContain(API_KEY);
    expect(r1.route('other.localhost')).toBeUndefined();
  });

  it('replaces the release only once the new pods are ready, then removes the old ones', async () => {
    const before = await podNames(`wharf.local/app=${app.name}`);
    c2 = await commit(filesOf(renderMonolith(2, images.v2 as string), withConfigMap));
    await r1.requestSync(app, c2);
    // While the new pods start, the old release keeps answering.
    expect(await page(r1)).toBe('<h1>v1</h1>');
    await r1.settled(app);
    expect(await r1.status(app)).toMatchObject({ revision: c2, health: 'Healthy' });
    expect(await page(r1)).toBe('<h1>v2</h1>');
    const after = async () => podNames(`wharf.local/app=${app.name}`);
    for (let i = 0; i < 50 && (await after()).some((p) => before.includes(p)); i++) await sleep(100);
    const now = await after();
    expect(now).toHaveLength(2);
    expect(now.filter((p) => before.includes(p))).toEqual([]);
  });

  it('reports a release whose container exits as Degraded with its output, and keeps the old one serving', async () => {
    const serving = await podNames(`wharf.local/app=${app.name}`);
    const c3 = await commit(filesOf(renderMonolith(3, images.broken as string), withConfigMap));
    const status = await sync(r1, c3);
    expect(status).toMatchObject({ revision: c3, sync: 'Synced', health: 'Degraded' });
    expect(status.message).toMatch(
      /container app \(.*\) (exited with code 2|exited and was restarted \d+ times?) before it was ready/,
    );
    expect(status.message).toContain('The previous version keeps serving.');
    expect(status.message).toContain('boom: cannot open the orders database');
    expect(await page(r1)).toBe('<h1>v2</h1>');
    // The failed rollout's pods go right after it is reported; only the serving ones stay.
    expect(await podsOnceCleanedUp(`wharf.local/app=${app.name}`, serving.length)).toEqual(serving);
  });

  it('rolls back by re-playing an earlier commit, with the image it already has', async () => {
    const lines = r1.output(app).length;
    const started = Date.now();
    await r1.requestSync(app, c1);
    // Until the old commit serves again (the replaced pods are removed after that).
    while ((await page(r1)) !== '<h1>v1</h1>' && Date.now() - started < 15_000) await sleep(20);
    const seconds = (Date.now() - started) / 1000;
    console.log(`rollback (2 pods played and ready, routed) in ${seconds.toFixed(2)} s`);
    await r1.settled(app);
    expect(await r1.status(app)).toMatchObject({ revision: c1, health: 'Healthy' });
    expect(r1.output(app).slice(lines).join('\n')).not.toContain('pulling');
    expect(seconds).toBeLessThan(3);
  });

  it('reports Degraded with the output when a serving container dies, and Healthy once podman restarted it', async () => {
    const [container] = await containerOf(app.name, 'storefront');
    await podman.ok('kill', ['kill', container as string]);
    const until = async (health: string) => {
      for (let i = 0; i < 100; i++) {
        const status = await r1.status(app);
        if (status.health === health) return status;
        await sleep(100);
      }
      throw new Error(`not ${health}: ${(await r1.status(app)).message}`);
    };
    const degraded = await until('Degraded');
    expect(degraded.message).toContain(`(${container}) exited with code 137; restarting it`);
    expect(degraded.message).toContain(`Last output of ${container}`);
    expect(await until('Healthy')).toMatchObject({ revision: c1 });
  });

  it('stop() removes every pod; a new platform finds the release running again, or re-plays it', async () => {
    const head = await commit(filesOf(renderMonolith(4, images.v1 as string), withConfigMap));
    expect(await sync(r1, head)).toMatchObject({ revision: head, health: 'Healthy' });
    const running = await podNames(`wharf.local/app=${app.name}`);

    // A platform killed without stop(): the next one adopts the pods that match the head.
    r1.containerCluster?.detach();
    const r2 = reconciler();
    await r2.start();
    expect(await r2.status(app)).toMatchObject({ revision: head, health: 'Healthy' });
    expect(r2.output(app).join('\n')).toContain('adopted');
    expect(await podNames(`wharf.local/app=${app.name}`)).toEqual(running);
    expect(await page(r2)).toBe('<h1>v1</h1>');

    await r2.stop();
    expect(await podNames('wharf.local/stack')).toEqual([]);
    expect(r2.route(host)).toBeUndefined();

    const r3 = reconciler();
    await r3.start();
    expect(await r3.status(app)).toMatchObject({ revision: head, health: 'Healthy' });
    expect(await page(r3)).toBe('<h1>v1</h1>');
    await r3.stop();
  });

  it("reports Degraded when the manifest's readiness probe never passes, naming the probe", async () => {
    const project: MonolithProject = {
      ...monolith,
      id: 'p4',
      name: 'probed',
      replicas: 1,
      healthCheckPath: '/healthz',
    };
    const [repository = '', digest] = (images.v1 as string).split('@');
    const release = renderRelease({
      workspace: WORKSPACE,
      project,
      environment: 'production',
      release: { id: 'q1', number: 1, runId: 'qrun1' },
      image: { reference: repository, digest },
      platform: PLATFORM,
    } as ReleaseRenderInput);
    const probed: SyncApp = { name: release.appName, path: release.path, namespace: release.namespace };
    const q1 = await commit(filesOf(release));
    const r = reconciler({ readinessTimeoutMs: 2_000 });
    await r.requestSync(probed, q1);
    await r.settled(probed);
    const status = await r.status(probed);
    expect(status).toMatchObject({ revision: q1, health: 'Degraded' });
    expect(status.message).toMatch(
      /probed-0-pod-0-app was not ready within 2 s: GET \/healthz on :8080 → 404/,
    );
    // The wait is in the app's log (which CheckSync copies into the run log): what is probed and what answered.
    const lines = (await r.status(probed, { logAfter: 0 })).log?.lines ?? [];
    expect(lines).toContainEqual(expect.stringMatching(/probing .*GET \/healthz on :8080 for up to 2 s/));
    expect(lines).toContainEqual(expect.stringMatching(/GET \/healthz on :8080 → 404$/));
    expect(r.route(release.host as string)).toBeUndefined();
    expect(await podNames(`wharf.local/app=${probed.name}`)).toEqual([]);
    await r.stop();
  });

  // ---- a database: StatefulSet as a Deployment + named volume ---------------------------------------

  it('runs a rendered database as a pod with a named volume whose data survives a rollout, and prunes it with the folder', async () => {
    const database: DatabaseProject = {
      ...base,
      id: 'p2',
      name: 'orders-db',
      type: 'database',
      engine: 'postgres',
      version: '16',
      storage: '1Gi',
      env: [{ name: 'POSTGRES_DB', secret: false, value: 'orders' }],
    };
    const render = (number: number, env = database.env) =>
      renderRelease({
        workspace: WORKSPACE,
        project: { ...database, env },
        environment: 'production',
        release: { id: `d${number}`, number, runId: `drun${number}` },
        image: { reference: 'postgres:16', digest: '' },
        platform: PLATFORM,
      } as ReleaseRenderInput);
    const first = render(1);
    const dbApp: SyncApp = { name: first.appName, path: first.path, namespace: first.namespace };
    const r = reconciler();
    const d1 = await commit(filesOf(first));
    await r.requestSync(dbApp, d1);
    await r.settled(dbApp);
    const status = await r.status(dbApp);
    expect(status, status.message).toMatchObject({ revision: d1, health: 'Healthy' });
    expect(status.message).toMatch(/with volume wf[0-9a-f]{6}-[0-9a-f]{8}-data-orders-db-0/);
    const volumes = async () =>
      (
        await podman.ok('volumes', [
          'volume',
          'ls',
          '--format',
          '{{.Name}}',
          '--filter',
          `label=wharf.local/app=${dbApp.name}`,
        ])
      )
        .split('\n')
        .filter(Boolean);
    expect(await volumes()).toHaveLength(1);
    const starts = async () =>
      exec((await containerOf(dbApp.name, 'orders-db'))[0] as string, 'cat /var/lib/postgresql/starts');
    // It runs as the StatefulSet's user, with the password from the secret store.
    expect(await starts()).toBe(`start as 999 password=${DB_PASSWORD.length}`);
    // What runs, as the services API shows it: the StatefulSet, ready, on the loopback port users connect to.
    const [running] = await r.workloads(dbApp);
    expect(running).toMatchObject({
      kind: 'StatefulSet',
      name: 'orders-db',
      replicas: 1,
      readyReplicas: 1,
      restarts: 0,
      images: ['postgres:16'],
      health: 'Healthy',
      local: [{ containerPort: 5432, host: '127.0.0.1', port: expect.any(Number) }],
    });
    const published = running?.local?.[0]?.port as number;
    expect((await get(published, '/starts')).body).toContain('start as 999');

    const d2 = await commit(filesOf(render(2, [{ name: 'POSTGRES_DB', secret: false, value: 'orders2' }])));
    await r.requestSync(dbApp, d2);
    await r.settled(dbApp);
    expect(await r.status(dbApp)).toMatchObject({ revision: d2, health: 'Healthy' });
    expect((await starts()).split('\n')).toHaveLength(2);
    // The old pod stopped before the new one started: the new one takes the same port, so a user's
    // psql command keeps working across rollouts.
    expect((await r.workloads(dbApp))[0]?.local).toEqual([
      { containerPort: 5432, host: '127.0.0.1', port: published },
    ]);
    expect((await get(published, '/starts')).body.trim().split('\n')).toHaveLength(2);

    const d3 = await commit({ [first.path]: null });
    await r.refresh(d3);
    await r.settled(dbApp);
    expect(await r.status(dbApp)).toMatchObject({ revision: d3, health: 'Missing' });
    expect(await podNames(`wharf.local/app=${dbApp.name}`)).toEqual([]);
    expect(await volumes()).toEqual([]);
    await r.stop();
  });

  // ---- microservices: Services as DNS names on the namespace's network ------------------------------

  it('lets the services of a microservices project reach each other by Service name, and schedules its CronJob', async () => {
    const project: MicroservicesProject = {
      ...base,
      id: 'p3',
      name: 'shop',
      type: 'microservices',
      repository: { url: 'https://github.com/acme/shop', branch: 'main' },
      autoDeploy: false,
      services: [
        { name: 'gateway', path: 'gateway', port: 8080, entry: true },
        { name: 'catalog', path: 'catalog', port: 8080, entry: false },
      ],
      env: [{ name: 'SPRING_PROFILES_ACTIVE', secret: false, value: 'local' }],
    };
    const [repository = '', digest] = (images.v2 as string).split('@');
    const release = renderRelease({
      workspace: WORKSPACE,
      project,
      environment: 'production',
      release: { id: 'm1', number: 1, runId: 'mrun1' },
      image: { reference: repository, digest },
      platform: PLATFORM,
    } as ReleaseRenderInput);
    const shop: SyncApp = { name: release.appName, path: release.path, namespace: release.namespace };
    const m1 = await commit(
      filesOf(release, (docs) => {
        docs.push({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'nightly-report', namespace: release.namespace },
          spec: {
            schedule: '30 2 * * *',
            jobTemplate: {
              spec: {
                template: {
                  spec: {
                    restartPolicy: 'OnFailure',
                    containers: [
                      {
                        name: 'report',
                        image: images.v2,
                        command: ['sh', '-c', 'echo "report for $(wget -qO- http://shop-catalog:8080/)"'],
                      },
                    ],
                  },
                },
              },
            },
          },
        });
        docs.push({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'deny-all', namespace: release.namespace },
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        });
      }),
    );
    const r = reconciler();
    await r.requestSync(shop, m1);
    await r.settled(shop);
    const status = await r.status(shop);
    expect(status, status.message).toMatchObject({ revision: m1, health: 'Healthy' });
    expect(status.message).toContain('NetworkPolicy deny-all: not enforced locally');
    expect(status.message).toContain(
      'Service shop-catalog: port 80 is not remapped locally; other pods reach it at shop-catalog:8080',
    );
    const [gateway] = await containerOf(shop.name, 'shop-gateway');
    expect(await exec(gateway as string, 'wget -qO- http://shop-catalog:8080/')).toBe('<h1>v2</h1>');
    expect(
      await exec(
        gateway as string,
        `nslookup shop-catalog.${release.namespace}.svc.cluster.local >/dev/null && echo found`,
      ),
    ).toBe('found');
    expect(r.output(shop).join('\n')).toMatch(
      /CronJob nightly-report: next run at \d{4}-\d\d-\d\dT02:30:00.000Z/,
    );

    const run = await r.containerCluster?.runJob(shop.name, undefined, 'nightly-report');
    expect(run).toEqual({ exitCode: 0, output: ['report for <h1>v2</h1>'] });
    expect(await podNames('wharf.local/cronjob=nightly-report')).toEqual([]);

    // Each service's workload as it runs, by its component label.
    const workloads = await r.workloads(shop);
    expect(workloads.map((w) => [w.name, w.component, w.readyReplicas, w.replicas, w.health])).toEqual([
      ['shop-gateway', 'gateway', 1, 1, 'Healthy'],
      ['shop-catalog', 'catalog', 1, 1, 'Healthy'],
    ]);
    expect(workloads[0]?.images).toEqual([images.v2]);

    // Run now: a backup-shaped CronJob (initContainer into an emptyDir, then a hostPath folder at
    // /backups) plays on the same path as its schedule; runCronJob resolves once it is started.
    const backups = join(root, 'backups');
    await mkdir(backups, { recursive: true });
    const m2 = await commit(
      filesOf(release, (docs) => {
        docs.push({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'orders-backup', namespace: release.namespace },
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: {
              spec: {
                template: {
                  spec: {
                    restartPolicy: 'Never',
                    volumes: [
                      { name: 'work', emptyDir: {} },
                      { name: 'backups', hostPath: { path: backups, type: 'DirectoryOrCreate' } },
                    ],
                    initContainers: [
                      {
                        name: 'dump',
                        image: images.v2,
                        command: ['sh', '-c', 'wget -qO /work/dump.html http://shop-catalog:8080/'],
                        volumeMounts: [{ name: 'work', mountPath: '/work' }],
                      },
                    ],
                    containers: [
                      {
                        name: 'upload',
                        image: images.v2,
                        command: ['sh', '-c', 'cp /work/dump.html /backups/dump.html && echo stored'],
                        volumeMounts: [
                          { name: 'work', mountPath: '/work' },
                          { name: 'backups', mountPath: '/backups' },
                        ],
                      },
                    ],
                  },
                },
              },
            },
          },
        });
      }),
    );
    await r.requestSync(shop, m2);
    await r.settled(shop);
    expect(await r.status(shop)).toMatchObject({ revision: m2, health: 'Healthy' });
    await expect(r.runCronJob(shop, 'no-such-job')).rejects.toThrow(
      /has no CronJob no-such-job \(it has orders-backup\)/,
    );
    await r.runCronJob(shop, 'orders-backup');
    const dump = join(backups, 'dump.html');
    for (let i = 0; i < 150 && !(await readFile(dump, 'utf8').catch(() => '')); i++) await sleep(100);
    expect(await readFile(dump, 'utf8')).toBe('<h1>v2</h1>\n');
    for (let i = 0; i < 50 && !r.output(shop).some((l) => l.includes('[orders-backup] stored')); i++)
      await sleep(100);
    expect(r.output(shop).join('\n')).toMatch(/CronJob orders-backup: .* succeeded/);
    await r.stop();
  });

  it('keeps the whole previous release of a microservices project serving when one service of the new one never becomes ready', async () => {
    const project: MicroservicesProject = {
      ...base,
      id: 'p5',
      name: 'mall',
      type: 'microservices',
      repository: { url: 'https://github.com/acme/mall', branch: 'main' },
      autoDeploy: false,
      services: [
        { name: 'gateway', path: 'gateway', port: 8080, entry: true },
        { name: 'orders', path: 'orders', port: 8080, entry: false },
      ],
      env: [],
    };
    const ref = (image: string) => {
      const [reference = '', digest] = image.split('@');
      return { reference, digest };
    };
    const render = (number: number, orders: string) =>
      renderRelease({
        workspace: WORKSPACE,
        project,
        environment: 'production',
        release: { id: `s${number}`, number, runId: `srun${number}` },
        image: ref(images.v1 as string),
        images: { gateway: ref(images.v1 as string), orders: ref(orders) },
        platform: PLATFORM,
      } as ReleaseRenderInput);
    const first = render(1, images.v1 as string);
    const mall: SyncApp = { name: first.appName, path: first.path, namespace: first.namespace };
    const r = reconciler({ readinessTimeoutMs: 3_000 });
    const s1 = await commit(filesOf(first));
    await r.requestSync(mall, s1);
    await r.settled(mall);
    expect(await r.status(mall)).toMatchObject({ revision: s1, health: 'Healthy' });
    const serving = await podNames(`wharf.local/app=${mall.name}`);
    expect(serving).toHaveLength(2);

    const s2 = await commit(filesOf(render(2, images.broken as string)));
    await r.requestSync(mall, s2);
    await r.settled(mall);
    const status = await r.status(mall);
    // The app as a whole is Degraded (what the workflow rolls back on), naming the service that failed.
    expect(status).toMatchObject({ revision: s2, health: 'Degraded' });
    expect(status.message).toMatch(/mall-orders.* before it was ready/);
    expect(status.message).toContain('The previous version keeps serving.');
    // Neither service of the new release was kept: both of the previous one still serve.
    expect(await podsOnceCleanedUp(`wharf.local/app=${mall.name}`, serving.length)).toEqual(serving);
    expect((await r.workloads(mall)).map((w) => [w.name, w.readyReplicas, w.images])).toEqual([
      ['mall-gateway', 1, [images.v1]],
      ['mall-orders', 1, [images.v1]],
    ]);
    await r.stop();
  });
});
