import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiClient, signIn } from './testing/api-client.ts';

/** The database routes of issue 15 through the local gateway: the same handlers AWS runs. */

const stack = inject('wharf');
let alice: ApiClient;
let bob: ApiClient;

const database = { name: 'ledger-db', type: 'database', engine: 'postgres', version: '16', storage: '1Gi' };
const app = {
  name: 'ledger',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/ledger.git' },
  port: 3000,
  env: [{ name: 'NODE_ENV', value: 'production' }],
};

beforeAll(async () => {
  [alice, bob] = await Promise.all([signIn(stack, 'alice'), signIn(stack, 'bob')]);
  await Promise.all([alice.get('/api/me'), bob.get('/api/me')]);
});

async function setup() {
  const ws = (await alice.post('/api/workspaces', { name: 'ledgers' })).body as {
    id: string;
    namespace: string;
  };
  const db = (await alice.post(`/api/workspaces/${ws.id}/projects`, database)).body as { id: string };
  return { ws, db, base: `/api/workspaces/${ws.id}/projects/${db.id}` };
}

describe('database credentials over HTTP', () => {
  it('shows the connection, reveals the URL to members only (no-store, audited), and rotates', async () => {
    const { ws, base } = await setup();
    const project = await alice.get(base);
    const production = project.body.pipeline.find((e: { name: string }) => e.name === 'production');
    expect(production.connection).toMatchObject({
      host: `ledger-db.${ws.namespace}.svc.cluster.local`,
      port: 5432,
      user: 'ledger_db',
      database: 'ledger_db',
      command: expect.stringMatching(/^psql "host=ledger-db\./),
    });
    expect(project.body).not.toHaveProperty('credentials');

    const revealed = await alice.get(`${base}/credentials?environment=production`);
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.body).toMatchObject({ environment: 'production', user: 'ledger_db', version: 1 });
    expect(revealed.body.url).toBe(
      `postgresql://ledger_db:${revealed.body.password}@ledger-db.${ws.namespace}.svc.cluster.local:5432/ledger_db`,
    );
    expect(JSON.stringify(project.body)).not.toContain(revealed.body.password);

    for (const res of [
      await bob.get(`${base}/credentials?environment=production`),
      await bob.get(`${base}/credentials`),
      await bob.get(`${base}/credentials/reads`),
      await bob.raw('POST', `${base}/credentials/rotate`, { environment: 'production' }),
      await bob.raw('POST', `${base}/credentials/rotate`, {}),
    ]) {
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(revealed.body.password);
    }
    expect(await alice.get(`${base}/credentials`)).toMatchObject({
      status: 400,
      body: { error: { field: 'environment', message: expect.stringContaining('environment is required') } },
    });

    const reads = await alice.get(`${base}/credentials/reads`);
    expect(reads.body.items).toEqual([
      { environment: 'production', userId: 'alice', at: expect.any(String) },
    ]);

    const rotated = await alice.post(`${base}/credentials/rotate`, { environment: 'production' });
    expect(rotated).toMatchObject({ status: 202, body: { environment: 'production', version: 2 } });
    // Nothing is deployed yet: no run to restart it.
    expect(rotated.body).not.toHaveProperty('runId');
    const after = await alice.get(`${base}/credentials?environment=production`);
    expect(after.body.version).toBe(2);
    expect(after.body.password).not.toBe(revealed.body.password);
  });

  it('binds a database to an app, refuses to delete it while bound, and deletes it once detached', async () => {
    const { ws, db, base } = await setup();
    const created = await alice.post(`/api/workspaces/${ws.id}/projects`, app);
    const appPath = `/api/workspaces/${ws.id}/projects/${created.body.id}`;
    expect(
      await alice.patch(appPath, { databases: [{ projectId: 'pnothing', env: 'DATABASE_URL' }] }),
    ).toMatchObject({ status: 400, body: { error: { field: 'databases.0.projectId' } } });
    const bound = await alice.patch(appPath, { databases: [{ projectId: db.id, env: 'DATABASE_URL' }] });
    expect(bound).toMatchObject({
      status: 200,
      body: { databases: [{ projectId: db.id, env: 'DATABASE_URL' }] },
    });

    const refused = await alice.delete(`${base}?confirm=ledger-db&finalBackup=false`);
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: 'project.database_in_use', message: expect.stringContaining('ledger') } },
    });
    expect(await alice.delete(`${base}?confirm=ledger-db&finalBackup=maybe`)).toMatchObject({
      status: 400,
      body: { error: { field: 'finalBackup' } },
    });
    expect((await alice.patch(appPath, { databases: null })).body).not.toHaveProperty('databases');
    expect((await alice.delete(`${base}?confirm=ledger-db&finalBackup=false`)).status).toBe(204);
  });
});
