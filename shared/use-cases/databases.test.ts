import { describe, expect, it } from 'vitest';
import type { ProjectView } from '../api.ts';
import { databaseSecretRefs, legacyDatabasePasswordRef } from '../databases.ts';
import type { SyncApp, WorkloadStatus } from '../deploy-ports.ts';
import type { DatabaseProject } from '../domain.ts';
import type { DomainError } from '../errors.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { InMemoryCredentialAudit } from '../testing/in-memory-credentials.ts';
import {
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../testing/in-memory-deploy.ts';
import {
  generatePassword,
  makeListCredentialReads,
  makeRevealCredentials,
  makeRotateCredentials,
} from './databases.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject, makeGetProject, makeListProjects } from './projects.ts';
import { makeRunJournal } from './run-journal.ts';
import { makeCreateWorkspace } from './workspaces.ts';

const schemas = projectSchemas('local');

/** A Postgres workload the local platform published on 127.0.0.1:41234. */
const publishedPostgres: WorkloadStatus = {
  kind: 'StatefulSet',
  name: 'orders-db',
  replicas: 1,
  readyReplicas: 1,
  restarts: 0,
  images: ['postgres:16'],
  health: 'Healthy',
  local: [{ containerPort: 5432, host: '127.0.0.1', port: 41234 }],
};

async function setup() {
  const base = inMemoryDeps();
  await makeGetMe(base)(alice);
  await makeGetMe(base)(bob);
  const ws = await makeCreateWorkspace(base)(alice, { name: 'shop' });
  const runs = new InMemoryRuns();
  const workflow = new FakeWorkflow();
  const logs = new InMemoryRunLogs();
  const journal = makeRunJournal({ runs, logs, events: new RecordingPublisher(), clock: base.clock });
  const audit = new InMemoryCredentialAudit();
  const asked: SyncApp[] = [];
  const workloads = async (app: SyncApp) => {
    asked.push(app);
    return [publishedPostgres];
  };
  const deps = { ...base, runs, turns: runs, releases: runs, workflow, journal, logs, audit, workloads };
  const db = await makeCreateProject(deps)(
    alice,
    ws.id,
    schemas.create.parse({
      name: 'orders-db',
      type: 'database',
      engine: 'postgres',
      version: '16',
      storage: '1Gi',
    }),
  );
  return { deps, ws, db, runs, workflow, audit, asked };
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const d = e as DomainError;
    return { kind: d.kind, code: d.code, field: d.field, message: d.message };
  }
  return undefined;
};

describe('database credentials', () => {
  it('generates 32-character alphanumeric passwords (190 bits) that differ each time', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generatePassword()).not.toBe(a);
    // Bytes from 248 up are skipped, so every character stays equally likely.
    let calls = 0;
    const biased = generatePassword((bytes) => bytes.fill(calls++ === 0 ? 255 : 0));
    expect(biased).toBe('A'.repeat(32));
  });

  it('reveals the password and URLs to a member, and records the read before answering', async () => {
    const { deps, ws, db, audit, asked } = await setup();
    const reveal = makeRevealCredentials(deps);
    const refs = databaseSecretRefs(ws.id, db.id, 'staging');
    const password = deps.secrets.values.get(refs.passwordRef) as string;
    const view = await reveal(alice, ws.id, db.id, 'staging');
    const host = `orders-db.${ws.namespace}-staging.svc.cluster.local`;
    expect(view).toEqual({
      environment: 'staging',
      engine: 'postgres',
      user: 'orders_db',
      database: 'orders_db',
      password,
      url: `postgresql://orders_db:${password}@${host}:5432/orders_db`,
      localUrl: `postgresql://orders_db:${password}@127.0.0.1:41234/orders_db`,
      version: 1,
      rotatedAt: '2026-11-22T10:00:00.000Z',
    });
    // The URL apps get through the ExternalSecret is the same one.
    expect(deps.secrets.values.get(refs.urlRef)).toBe(view.url);
    expect(asked[0]).toEqual({
      name: expect.stringContaining('orders-db'),
      path: `apps/${ws.id}/alice/orders-db/staging`,
      namespace: `${ws.namespace}-staging`,
    });
    expect(audit.reads).toEqual([
      {
        workspaceId: ws.id,
        projectId: db.id,
        environment: 'staging',
        userId: 'alice',
        at: '2026-11-22T10:00:00.000Z',
      },
    ]);
  });

  it('records nothing and reveals nothing when the audit cannot be written', async () => {
    const { deps, ws, db } = await setup();
    const reveal = makeRevealCredentials({
      ...deps,
      audit: {
        record: async () => {
          throw new Error('table unavailable');
        },
      },
    });
    await expect(reveal(alice, ws.id, db.id, 'production')).rejects.toThrow('table unavailable');
  });

  it('gives non-members the 404 of a missing project, and checks the environment', async () => {
    const { deps, ws, db, audit } = await setup();
    const reveal = makeRevealCredentials(deps);
    expect(await failure(reveal(bob, ws.id, db.id, 'production'))).toMatchObject({
      kind: 'not_found',
      code: 'workspace.not_found',
    });
    expect(await failure(reveal(alice, ws.id, 'pnope', 'production'))).toMatchObject({
      kind: 'not_found',
      code: 'project.not_found',
    });
    expect(await failure(reveal(alice, ws.id, db.id, 'qa'))).toMatchObject({
      kind: 'invalid',
      code: 'credentials.unknown_environment',
      field: 'environment',
    });
    expect(await failure(makeListCredentialReads(deps)(bob, ws.id, db.id, { limit: 10 }))).toMatchObject({
      kind: 'not_found',
    });
    expect(audit.reads).toEqual([]);
  });

  it('answers the legacy password for a database created before per-environment credentials', async () => {
    const { deps, ws, db } = await setup();
    const stored = deps.projects.items.get(db.id) as DatabaseProject;
    deps.projects.items.set(db.id, { ...stored, credentials: undefined });
    deps.secrets.values.set(legacyDatabasePasswordRef(ws.id, db.id), 'old-one');
    const view = await makeRevealCredentials({ ...deps, workloads: undefined })(
      alice,
      ws.id,
      db.id,
      'production',
    );
    expect(view).toMatchObject({ user: 'postgres', database: 'postgres', password: 'old-one', version: 0 });
    expect(view.localUrl).toBeUndefined();
    expect(view.rotatedAt).toBeUndefined();
  });

  it('lists reads newest first, as the workspace members see them', async () => {
    const { deps, ws, db } = await setup();
    let t = 0;
    const clock = { now: () => new Date(Date.UTC(2026, 10, 22, 10, t++)) };
    const reveal = makeRevealCredentials({ ...deps, clock });
    await reveal(alice, ws.id, db.id, 'staging');
    await reveal(alice, ws.id, db.id, 'production');
    const reads = await makeListCredentialReads(deps)(alice, ws.id, db.id, { limit: 10 });
    expect(reads.items).toEqual([
      { environment: 'production', userId: 'alice', at: '2026-11-22T10:01:00.000Z' },
      { environment: 'staging', userId: 'alice', at: '2026-11-22T10:00:00.000Z' },
    ]);
  });

  it('rotates: new secret versions and version + 1, and no run before the first deploy', async () => {
    const { deps, ws, db, workflow } = await setup();
    const refs = databaseSecretRefs(ws.id, db.id, 'production');
    const before = deps.secrets.values.get(refs.passwordRef);
    const rotation = await makeRotateCredentials(deps)(alice, ws.id, db.id, { environment: 'production' });
    expect(rotation).toEqual({
      environment: 'production',
      version: 2,
      rotatedAt: '2026-11-22T10:00:00.000Z',
    });
    const after = deps.secrets.values.get(refs.passwordRef) as string;
    expect(after).not.toBe(before);
    expect(deps.secrets.values.get(refs.urlRef)).toContain(`:${after}@`);
    const stored = deps.projects.items.get(db.id) as DatabaseProject;
    expect(stored.credentials?.production?.version).toBe(2);
    expect(stored.credentials?.staging?.version).toBe(1);
    expect(stored.revision).toBe(2);
    expect(workflow.started).toEqual([]);
  });

  it('rotating a live environment starts a deploy run of the database that restarts it', async () => {
    const { deps, ws, db, runs, workflow } = await setup();
    await runs.recordRelease({
      id: 'l1',
      number: 1,
      workspaceId: ws.id,
      projectId: db.id,
      environment: 'production',
      runId: 'r1',
      kind: 'deploy',
      image: { reference: 'postgres:16', digest: `sha256:${'a'.repeat(64)}` },
      values: '',
      envNames: [],
      gitopsCommit: 'c'.repeat(40),
      gitopsPath: `apps/${ws.id}/alice/orders-db/production`,
      appName: 'orders-db',
      createdBy: 'alice',
      createdAt: '2026-11-22T09:00:00.000Z',
    });
    const rotation = await makeRotateCredentials(deps)(alice, ws.id, db.id, { environment: 'production' });
    expect(rotation.runId).toBeDefined();
    expect(workflow.started).toEqual([
      expect.objectContaining({
        runId: rotation.runId,
        kind: 'deploy',
        environment: 'production',
        projectId: db.id,
      }),
    ]);
    expect(runs.runs.get(rotation.runId as string)).toMatchObject({
      requestedBy: 'alice',
      source: undefined,
    });
  });

  it('puts the previous secrets back when the project write loses a race', async () => {
    const { deps, ws, db } = await setup();
    const refs = databaseSecretRefs(ws.id, db.id, 'production');
    const before = {
      password: deps.secrets.values.get(refs.passwordRef),
      url: deps.secrets.values.get(refs.urlRef),
    };
    const rotate = makeRotateCredentials({
      ...deps,
      projects: {
        get: (w, p) => deps.projects.get(w, p),
        recordActivity: (w, p, at) => deps.projects.recordActivity(w, p, at),
        update: async () => {
          throw new Error('project.modified');
        },
      },
    });
    await expect(rotate(alice, ws.id, db.id, { environment: 'production' })).rejects.toThrow(
      'project.modified',
    );
    expect(deps.secrets.values.get(refs.passwordRef)).toBe(before.password);
    expect(deps.secrets.values.get(refs.urlRef)).toBe(before.url);
  });

  it('creates per-environment credentials when rotating a database from before them', async () => {
    const { deps, ws, db } = await setup();
    const stored = deps.projects.items.get(db.id) as DatabaseProject;
    deps.projects.items.set(db.id, { ...stored, credentials: undefined });
    const rotation = await makeRotateCredentials(deps)(alice, ws.id, db.id, { environment: 'staging' });
    expect(rotation.version).toBe(1);
    expect((deps.projects.items.get(db.id) as DatabaseProject).credentials?.staging).toMatchObject({
      user: 'orders_db',
      ...databaseSecretRefs(ws.id, db.id, 'staging'),
      version: 1,
    });
  });

  it("shows each environment's connection in the project, the local address only in its own answer", async () => {
    const { deps, ws, db } = await setup();
    const view = (await makeGetProject(deps)(alice, ws.id, db.id)) as ProjectView;
    const production = view.pipeline.find((e) => e.name === 'production');
    expect(production?.connection).toEqual({
      engine: 'postgres',
      host: `orders-db.${ws.namespace}.svc.cluster.local`,
      port: 5432,
      database: 'orders_db',
      user: 'orders_db',
      secretRef: databaseSecretRefs(ws.id, db.id, 'production').passwordRef,
      command: `psql "host=orders-db.${ws.namespace}.svc.cluster.local port=5432 dbname=orders_db user=orders_db"`,
      local: {
        host: '127.0.0.1',
        port: 41234,
        command: 'psql "host=127.0.0.1 port=41234 dbname=orders_db user=orders_db"',
      },
    });
    expect(JSON.stringify(view)).not.toContain('credentials');
    const list = await makeListProjects(deps)(alice, ws.id, { limit: 10 });
    const listed = list.items[0]?.pipeline.find((e) => e.name === 'production');
    expect(listed?.connection?.host).toBe(production?.connection?.host);
    expect(listed?.connection?.local).toBeUndefined();
    for (const value of deps.secrets.values.values())
      expect(JSON.stringify([view, list])).not.toContain(value);
  });
});
