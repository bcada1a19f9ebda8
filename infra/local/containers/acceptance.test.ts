import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectView } from '../../../shared/api.ts';
import { databaseSecretRefs } from '../../../shared/databases.ts';
import type { LogLine, Release, Run } from '../../../shared/deploy.ts';
import { type LocalStack, startLocalStack } from '../stack.ts';
import { type ApiClient, signIn, waitForRun } from '../testing/api-client.ts';
import { isolatedGitEnv } from '../testing/git-env.ts';
import { getLive } from '../testing/live-client.ts';
import { containerVariables, missingContainerTools } from './environment.ts';
import { catalog, manifestDigest } from './registry.ts';

/**
 * Issue 14's acceptance, as a new user on a machine with the container tools: the platform in
 * container mode builds the Node sample with buildah, the registry holds the image under the digest the
 * release records, podman runs exactly that image, a rollback brings the old container back without a
 * build, a Postgres database answers psql with its generated password, and stopping leaves nothing.
 * Its own stack (container mode); base images are seeded from Debian packages on first need.
 */

const exec = promisify(execFile);
const missing = await missingContainerTools();
const FIRST_DEPLOY_MS = 360_000;

let stack: LocalStack;
let dataDir: string;
let cloneDir: string;
let alice: ApiClient;
let workspaceId: string;
const podman = async (...args: string[]) =>
  (await exec('podman', args, { env: { ...process.env, ...containerVariables(dataDir) } })).stdout.trim();
const gitEnv = isolatedGitEnv(tmpdir());
const git = (...args: string[]) => exec('git', args, { cwd: cloneDir, env: { ...gitEnv, HOME: cloneDir } });

describe.skipIf(missing.length > 0)(`container mode (skipped: ${missing.join(', ')} missing)`, () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wharf-containers-stack-'));
    stack = await startLocalStack({ port: 0, dataDir, inMemory: true, runtime: 'containers' });
    alice = await signIn(stack, 'alice');
    workspaceId = (await alice.post('/api/workspaces', { name: 'containers' })).body.id;
    cloneDir = await mkdtemp(join(tmpdir(), 'wharf-containers-clone-'));
    await exec('git', ['clone', '--quiet', join(dataDir, 'git', 'node-web.git'), cloneDir], { env: gitEnv });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    // Nothing of the stack keeps running: no container, no pod, no registry.
    if (dataDir) {
      expect(await podman('ps', '-aq')).toBe('');
      expect(await podman('pod', 'ps', '-q')).toBe('');
      const registries = await exec('pgrep', ['-f', `docker-registry serve ${dataDir}`]).catch(() => ({
        stdout: '',
      }));
      expect(registries.stdout.trim()).toBe('');
    }
    await rm(cloneDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it(
    'builds with buildah, pins the registry digest, runs it in podman and rolls back without a build',
    async () => {
      const project = (
        await alice.post<ProjectView>(`/api/workspaces/${workspaceId}/projects`, {
          name: 'web',
          type: 'monolith',
          repository: { url: `${stack.url}/git/node-web.git`, branch: 'main' },
          port: 3000,
          healthCheckPath: '/healthz',
          environments: ['production'],
        })
      ).body;
      const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;
      const deploy = async () => {
        const started = await alice.post<Run>(`${base}/deployments`, {});
        expect(started.status).toBe(202);
        const run = await waitForRun(alice, started.body, FIRST_DEPLOY_MS);
        expect(run.status, run.failureReason).toBe('deployed');
        return run;
      };

      const first = await deploy();
      const log = (
        await alice.get<{ lines: LogLine[] }>(`${base}/deployments/${first.id}/logs?limit=5000`)
      ).body.lines
        .map((l) => l.text)
        .join('\n');
      expect(log).toMatch(/STEP \d+\/\d+/);
      expect(log).toMatch(/Pushing|Writing manifest/);
      const release = (await alice.get<{ items: Release[] }>(`${base}/releases`)).body.items[0] as Release;

      // The registry lists the image, under the digest the release pins.
      const [registryHost, path] = [
        release.image.reference.split('/')[0] as string,
        release.image.reference.slice(release.image.reference.indexOf('/') + 1),
      ];
      const [repository, tag] = path.split(':') as [string, string];
      expect(await catalog(`http://${registryHost}`)).toContain(repository);
      expect(await manifestDigest(`http://${registryHost}`, repository, tag)).toBe(release.image.digest);

      // podman runs exactly that image, and the live URL serves it.
      const images = await podman('ps', '--format', '{{.Image}}');
      expect(images).toContain(release.image.digest);
      const page = await getLive(release.liveUrl as string);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Hello from Wharf node-web');

      // A change, a redeploy, then a rollback: the old container back, no build, in under 3 s.
      const server = join(cloneDir, 'server.js');
      await writeFile(
        server,
        (await readFile(server, 'utf8')).replace('Hello from Wharf', 'Hello again from Wharf'),
      );
      await git('commit', '--quiet', '-am', 'A new greeting');
      await git('push', '--quiet', 'origin', 'main');
      await deploy();
      expect((await getLive(release.liveUrl as string)).body).toContain('Hello again from Wharf');
      const clicked = performance.now();
      const rollback = await alice.post<Run>(`${base}/releases/${release.id}/rollback`, {});
      expect(rollback.status).toBe(202);
      for (;;) {
        const live = await getLive(release.liveUrl as string).catch(() => undefined);
        if (live?.body.includes('Hello from Wharf node-web')) break;
        expect(performance.now() - clicked).toBeLessThan(3000);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const rolledBack = await waitForRun(alice, rollback.body, 60_000);
      expect(rolledBack.status).toBe('deployed');
      expect(rolledBack.steps.map((s) => s.name)).not.toContain('build');
      expect(await podman('ps', '--format', '{{.Image}}')).toContain(release.image.digest);
    },
    FIRST_DEPLOY_MS * 2,
  );

  it(
    'runs a Postgres database that answers psql with its generated password',
    async () => {
      const db = (
        await alice.post<ProjectView>(`/api/workspaces/${workspaceId}/projects`, {
          name: 'orders-db',
          type: 'database',
          engine: 'postgres',
          version: '16',
          storage: '1Gi',
          environments: ['production'],
        })
      ).body;
      const base = `/api/workspaces/${workspaceId}/projects/${db.id}`;
      const started = await alice.post<Run>(`${base}/deployments`, {});
      const run = await waitForRun(alice, started.body, FIRST_DEPLOY_MS);
      expect(run.status, run.failureReason).toBe('deployed');
      // The operator's view of the generated password: the local secret store.
      const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<
        string,
        string
      >;
      const password = secrets[databaseSecretRefs(workspaceId, db.id, 'production').passwordRef] as string;
      expect(password).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const psql = async (sql: string) => {
        const ports = await podman('ps', '--format', '{{.Ports}}');
        const hostPort = /127\.0\.0\.1:(\d+)->5432/.exec(ports)?.[1];
        expect(hostPort, ports).toBeDefined();
        const args = ['-h', '127.0.0.1', '-p', hostPort as string, '-U', 'orders_db', '-d', 'orders_db'];
        const { stdout } = await exec('psql', [...args, '-Atc', sql], {
          env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
        });
        return stdout.trim();
      };
      expect(await psql('select 1+1')).toBe('2');

      // Its data survives a rollout: a second release replaces the pod, the volume stays.
      await psql('create table orders (id int); insert into orders values (42)');
      const again = await alice.post<Run>(`${base}/deployments`, {});
      const redeployed = await waitForRun(alice, again.body, FIRST_DEPLOY_MS);
      expect(redeployed.status, redeployed.failureReason).toBe('deployed');
      expect(await psql('select id from orders')).toBe('42');
    },
    FIRST_DEPLOY_MS,
  );
});
