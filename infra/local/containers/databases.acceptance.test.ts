import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BackupView,
  CredentialsView,
  ProjectView,
  SampleView,
  ServiceStatusView,
} from '../../../shared/api.ts';
import type { Release, Run } from '../../../shared/deploy.ts';
import { type LocalStack, startLocalStack } from '../stack.ts';
import { type ApiClient, signIn, waitForRun } from '../testing/api-client.ts';
import { isolatedGitEnv } from '../testing/git-env.ts';
import { getLive } from '../testing/live-client.ts';
import { missingContainerTools } from './environment.ts';

/**
 * Issue 15's acceptance, as a new user on a machine with the container tools: a Postgres database
 * shows how to reach it, its credentials work with psql and only for members, the database sample
 * app bound to it keeps its rows across roll back and forth, production has a backup CronJob and a
 * backup, staging none, no secret is in any GitOps commit; the microservices sample runs both
 * services, the gateway reaching the Java service by its URL, each listed with its status.
 */

const exec = promisify(execFile);
const missing = await missingContainerTools();
const DEPLOY_MS = 360_000;

let stack: LocalStack;
let dataDir: string;
let alice: ApiClient;
let bob: ApiClient;
let workspaceId: string;
const gitEnv = isolatedGitEnv(tmpdir());
const gitops = async (...args: string[]) =>
  (
    await exec('git', ['--git-dir', join(dataDir, 'gitops.git'), ...args], {
      env: gitEnv,
      maxBuffer: 1 << 26,
    })
  ).stdout;

const projects = () => `/api/workspaces/${workspaceId}/projects`;

async function deploy(projectId: string, environment: string): Promise<Run> {
  const started = await alice.post<Run>(`${projects()}/${projectId}/deployments`, { environment });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const run = await waitForRun(alice, started.body, DEPLOY_MS);
  expect(run.status, run.failureReason).toBe('deployed');
  return run;
}

async function sampleUrl(name: string) {
  const samples = await alice.get<{ items: SampleView[] }>('/api/samples');
  const sample = samples.body.items.find((s) => s.name === name);
  expect(sample, `sample ${name}`).toBeDefined();
  return sample?.url as string;
}

describe.skipIf(missing.length > 0)(
  `databases and microservices (skipped: ${missing.join(', ')} missing)`,
  () => {
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-databases-stack-'));
      stack = await startLocalStack({ port: 0, dataDir, inMemory: true, runtime: 'containers' });
      alice = await signIn(stack, 'alice');
      bob = await signIn(stack, 'bob');
      workspaceId = (await alice.post('/api/workspaces', { name: 'data' })).body.id;
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }, 60_000);

    it(
      'a Postgres database: connection shown, credentials work with psql for members only, bound app keeps its rows, production backs up',
      async () => {
        const created = await alice.post<ProjectView>(projects(), {
          name: 'orders-db',
          type: 'database',
          engine: 'postgres',
          version: '16',
          storage: '1Gi',
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const db = created.body;
        await deploy(db.id, 'staging');
        await deploy(db.id, 'production');

        // The page's data: host, port, database, user and a psql command; never the password.
        const view = (await alice.get<ProjectView>(`${projects()}/${db.id}`)).body;
        const production = view.pipeline.find((e) => e.name === 'production');
        const connection = production?.connection;
        expect(connection).toMatchObject({
          engine: 'postgres',
          host: expect.stringMatching(/^orders-db\..+\.svc\.cluster\.local$/),
          port: 5432,
          database: 'orders_db',
          user: 'orders_db',
        });
        expect(connection?.command).toMatch(/^psql /);
        expect(connection?.local?.port).toBeGreaterThan(0);

        // Reveal as a member: a connection string that works with psql against the running database.
        const revealed = await alice.get<CredentialsView>(
          `${projects()}/${db.id}/credentials?environment=production`,
        );
        expect(revealed.status).toBe(200);
        expect(revealed.headers.get('cache-control')).toContain('no-store');
        const localUrl = revealed.body.localUrl as string;
        expect(localUrl).toMatch(/^postgresql:\/\/orders_db:.+@127\.0\.0\.1:\d+\/orders_db$/);
        const psql = async (sql: string) =>
          (
            await exec('psql', [localUrl, '-Atc', sql], { env: { ...process.env, PGCONNECT_TIMEOUT: '5' } })
          ).stdout.trim();
        expect(await psql('select current_user')).toBe('orders_db');
        expect(JSON.stringify(view)).not.toContain(revealed.body.password);

        // Bob is no member: the credentials are not there for him, and the read is not his.
        expect((await bob.get(`${projects()}/${db.id}/credentials?environment=production`)).status).toBe(404);
        const reads = await alice.get<{ items: Array<{ userId: string }> }>(
          `${projects()}/${db.id}/credentials/reads`,
        );
        expect(reads.body.items.length).toBeGreaterThanOrEqual(1);

        // The database sample app, bound to it, writes and reads rows.
        const app = (
          await alice.post<ProjectView>(projects(), {
            name: 'notes',
            type: 'monolith',
            repository: { url: await sampleUrl('postgres-items'), branch: 'main' },
            port: 3000,
            healthCheckPath: '/healthz',
            environments: ['production'],
          })
        ).body;
        const bound = await alice.patch<ProjectView>(`${projects()}/${app.id}`, {
          databases: [{ projectId: db.id, env: 'DATABASE_URL' }],
        });
        expect(bound.status, JSON.stringify(bound.body)).toBe(200);
        await deploy(app.id, 'production');
        const first = (await alice.get<{ items: Release[] }>(`${projects()}/${app.id}/releases`)).body
          .items[0] as Release;
        const live = first.liveUrl as string;
        const written = await getLive(`${live}/items`, {
          method: 'POST',
          body: JSON.stringify({ text: 'kept' }),
        });
        expect(written.status).toBeLessThan(300);
        expect((await getLive(`${live}/items`)).body).toContain('kept');

        // Roll the app forward and back: the rows stay.
        await deploy(app.id, 'production');
        const rollback = await alice.post<Run>(`${projects()}/${app.id}/releases/${first.id}/rollback`, {});
        expect((await waitForRun(alice, rollback.body, DEPLOY_MS)).status).toBe('deployed');
        expect((await getLive(`${live}/items`)).body).toContain('kept');

        // Production's manifests carry the backup CronJob, staging's do not; a backup appears.
        const files = (await gitops('ls-tree', '-r', '--name-only', 'HEAD')).split('\n');
        const manifestsOf = (environment: string) =>
          files.find(
            (f) => f.includes('/orders-db/') && f.endsWith(`/${environment}/manifests.yaml`),
          ) as string;
        expect(await gitops('show', `HEAD:${manifestsOf('production')}`)).toContain('kind: CronJob');
        expect(await gitops('show', `HEAD:${manifestsOf('staging')}`)).not.toContain('kind: CronJob');
        expect((await alice.post(`${projects()}/${db.id}/backups`, {})).status).toBe(202);
        let backups: BackupView[] = [];
        for (const deadline = Date.now() + 60_000; Date.now() < deadline && backups.length === 0; ) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          backups = (await alice.get<{ items: BackupView[] }>(`${projects()}/${db.id}/backups`)).body.items;
        }
        expect(backups[0]).toMatchObject({ environment: 'production' });
        expect(backups[0]?.sizeBytes).toBeGreaterThan(0);

        // No secret value in any GitOps commit.
        const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<
          string,
          string
        >;
        const history = await gitops('log', '-p', '--all');
        for (const value of Object.values(secrets)) expect(history).not.toContain(value);

        // A database in use is not deleted; once free, it goes with a final backup.
        const refused = await alice.delete(`${projects()}/${db.id}?confirm=orders-db`);
        expect(refused.status).toBe(409);
        expect(refused.body.error.message).toContain('notes');
        expect((await alice.delete(`${projects()}/${app.id}?confirm=notes`)).status).toBe(204);
        expect((await alice.delete(`${projects()}/${db.id}?confirm=orders-db`)).status).toBe(204);
        const folder = join(dataDir, 'backups', workspaceId, db.id, 'production');
        const dumps = (await readdir(folder)).filter((f) => f.endsWith('.sql'));
        expect(dumps.length).toBeGreaterThan(backups.length);
      },
      DEPLOY_MS * 4,
    );

    it(
      'the microservices sample: both services run, the gateway reaches orders by its URL, each listed with its status',
      async () => {
        const project = (
          await alice.post<ProjectView>(projects(), {
            name: 'shop',
            type: 'microservices',
            repository: { url: await sampleUrl('microservices'), branch: 'main' },
            services: [
              { name: 'gateway', path: 'services/gateway', port: 8080, entry: true },
              { name: 'orders', path: 'services/orders', port: 8080, entry: false },
            ],
            environments: ['production'],
          })
        ).body;
        await deploy(project.id, 'production');
        const release = (await alice.get<{ items: Release[] }>(`${projects()}/${project.id}/releases`)).body
          .items[0] as Release;
        const page = await getLive(release.liveUrl as string);
        expect(page.status).toBe(200);
        const answer = JSON.parse(page.body) as { calledUrl: string; orders: unknown };
        expect(answer.calledUrl).toMatch(/^http:\/\/shop-orders\..+\.svc\.cluster\.local(:\d+)?\/orders$/);
        expect(answer.orders).toBeTruthy();
        const services = await alice.get<{ items: ServiceStatusView[] }>(
          `${projects()}/${project.id}/environments/production/services`,
        );
        expect(services.body.items.map((s) => s.name).sort()).toEqual(['gateway', 'orders']);
        for (const service of services.body.items) {
          expect(service.readyReplicas, service.name).toBeGreaterThanOrEqual(1);
          expect(service.health).toBe('Healthy');
        }
      },
      DEPLOY_MS * 2,
    );
  },
);
