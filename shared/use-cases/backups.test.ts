import { describe, expect, it } from 'vitest';
import type { SyncApp } from '../deploy-ports.ts';
import type { Project } from '../domain.ts';
import type { DomainError } from '../errors.ts';
import type { Environment } from '../naming.ts';
import type { BackupStore, StoredBackup } from '../ports.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { FakeSync, InMemoryRuns } from '../testing/in-memory-deploy.ts';
import { makeBackUpNow, makeFinalBackup, makeListBackups } from './backups.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject } from './projects.ts';
import { makeCreateWorkspace } from './workspaces.ts';

/** The backup store as the CronJob fills it: keys per environment. */
class MemoryBackups implements BackupStore {
  readonly items: Array<StoredBackup & { environment: Environment; projectId: string }> = [];
  async list(_workspaceId: string, projectId: string, environment: Environment) {
    return this.items
      .filter((b) => b.projectId === projectId && b.environment === environment)
      .map(({ key, createdAt, sizeBytes }) => ({ key, createdAt, sizeBytes }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
  location(key: string) {
    return `.wharf/backups/${key}`;
  }
  add(workspaceId: string, projectId: string, stamp: string) {
    this.items.push({
      key: `${workspaceId}/${projectId}/production/${stamp}.sql.gz`,
      createdAt: `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.000Z`,
      sizeBytes: 1234,
      environment: 'production',
      projectId,
    });
  }
}

/** The sync service with the CronJob action (Argo CD's create-job): records it, and may "run" the Job. */
class CronSync extends FakeSync {
  readonly jobs: Array<{ app: SyncApp; cronJob: string }> = [];
  onJob: (() => void) | undefined;
  override async runCronJob(app: SyncApp, cronJob: string) {
    this.jobs.push({ app, cronJob });
    this.onJob?.();
  }
}

async function setup() {
  const base = inMemoryDeps();
  await makeGetMe(base)(alice);
  await makeGetMe(base)(bob);
  const ws = await makeCreateWorkspace(base)(alice, { name: 'shop' });
  const create = makeCreateProject(base);
  const db = await create(
    alice,
    ws.id,
    projectSchemas('local').create.parse({
      name: 'orders-db',
      type: 'database',
      engine: 'postgres',
      version: '15',
      storage: '1Gi',
    }),
  );
  const web = await create(
    alice,
    ws.id,
    projectSchemas('local').create.parse({
      name: 'web',
      type: 'monolith',
      repository: { url: 'https://github.com/acme/web.git' },
      port: 3000,
    }),
  );
  const runs = new InMemoryRuns();
  const backups = new MemoryBackups();
  const sync = new CronSync();
  const deps = { ...base, turns: runs, releases: runs, backups, sync };
  const deployProduction = () =>
    runs.recordRelease({
      id: 'rel1',
      number: 1,
      workspaceId: ws.id,
      projectId: db.id,
      environment: 'production',
      runId: 'run1',
      kind: 'deploy',
      image: { reference: 'postgres:15', digest: `sha256:${'a'.repeat(64)}` },
      values: '',
      envNames: [],
      gitopsCommit: 'c'.repeat(40),
      gitopsPath: `apps/${ws.id}/alice/orders-db/production`,
      appName: `orders-db-${ws.id}-production`,
      createdBy: 'alice',
      createdAt: '2026-12-04T09:00:00.000Z',
    });
  const project = (id: string) => base.projects.items.get(id) as Project;
  return { deps, ws, db, web, backups, sync, deployProduction, project };
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: DomainError) => `${e.kind} ${e.code}`,
  );

describe('listing backups', () => {
  it('lists production’s backups newest first, with where they are', async () => {
    const { deps, ws, db, backups } = await setup();
    backups.add(ws.id, db.id, '20261203T030000Z');
    backups.add(ws.id, db.id, '20261204T030000Z');
    const { items } = await makeListBackups(deps)(alice, ws.id, db.id);
    expect(items).toEqual([
      {
        id: '20261204T030000Z.sql.gz',
        environment: 'production',
        createdAt: '2026-12-04T03:00:00.000Z',
        sizeBytes: 1234,
        location: `.wharf/backups/${ws.id}/${db.id}/production/20261204T030000Z.sql.gz`,
      },
      expect.objectContaining({ id: '20261203T030000Z.sql.gz' }),
    ]);
  });

  it('answers 404 to a non-member and for a project that is not a database', async () => {
    const { deps, ws, db, web } = await setup();
    expect(await codeOf(makeListBackups(deps)(bob, ws.id, db.id))).toBe('not_found workspace.not_found');
    expect(await codeOf(makeListBackups(deps)(alice, ws.id, web.id))).toBe('not_found backup.not_a_database');
    expect(await codeOf(makeListBackups(deps)(alice, ws.id, 'nope'))).toBe('not_found project.not_found');
  });
});

describe('backing up now', () => {
  it('runs production’s backup CronJob through the sync service', async () => {
    const { deps, ws, db, sync, deployProduction } = await setup();
    await deployProduction();
    const answer = await makeBackUpNow(deps)(alice, ws.id, db.id);
    expect(answer).toEqual({
      environment: 'production',
      cronJob: 'orders-db-backup',
      requestedAt: deps.clock.now().toISOString(),
    });
    expect(sync.jobs).toEqual([
      {
        app: {
          name: `orders-db-${ws.id}-production`,
          path: `apps/${ws.id}/alice/orders-db/production`,
          namespace: expect.stringMatching(/^shop-/),
        },
        cronJob: 'orders-db-backup',
      },
    ]);
    expect(sync.jobs[0]?.app.namespace).not.toMatch(/staging/);
  });

  it('refuses with 409 while production was never deployed, and 404 to others', async () => {
    const { deps, ws, db, sync } = await setup();
    expect(await codeOf(makeBackUpNow(deps)(alice, ws.id, db.id))).toBe('conflict backup.not_deployed');
    expect(await codeOf(makeBackUpNow(deps)(bob, ws.id, db.id))).toBe('not_found workspace.not_found');
    expect(sync.jobs).toEqual([]);
  });
});

describe('the final backup before deleting', () => {
  const fast = { timeoutMs: 50, pollMs: 10, sleep: () => Promise.resolve() };

  it('backs a deployed database up and waits until the new dump is in the store', async () => {
    const { deps, ws, db, backups, sync, deployProduction, project } = await setup();
    await deployProduction();
    backups.add(ws.id, db.id, '20261203T030000Z');
    let polls = 0;
    // The Job's dump lands after a few looks at the store, as a real one would.
    const list = backups.list.bind(backups);
    backups.list = async (...args) => {
      if (++polls === 3) backups.add(ws.id, db.id, '20261204T091500Z');
      return list(...args);
    };
    await makeFinalBackup(deps, fast)(alice, project(db.id), { finalBackup: true });
    expect(sync.jobs.map((j) => j.cronJob)).toEqual(['orders-db-backup']);
    expect(polls).toBe(3);
  });

  it('refuses the delete with 409 and what to do when no dump appears in time', async () => {
    const { deps, db, sync, deployProduction, project } = await setup();
    await deployProduction();
    const error = await makeFinalBackup(deps, fast)(alice, project(db.id), { finalBackup: true }).catch(
      (e: DomainError) => e,
    );
    expect(error).toMatchObject({ kind: 'conflict', code: 'project.final_backup_failed' });
    expect((error as DomainError).message).toMatch(
      /was not deleted: its final backup did not appear .* Retry the delete, or add \?finalBackup=false/,
    );
    expect(sync.jobs).toHaveLength(1);
  });

  it('refuses with 409 when the backup Job cannot be started', async () => {
    const { deps, db, sync, deployProduction, project } = await setup();
    await deployProduction();
    sync.onJob = () => {
      throw new Error('argo cd: permission denied');
    };
    expect(await codeOf(makeFinalBackup(deps, fast)(alice, project(db.id), { finalBackup: true }))).toBe(
      'conflict project.final_backup_failed',
    );
  });

  it('goes straight on for finalBackup=false, a database never deployed, and other projects', async () => {
    const { deps, db, web, sync, deployProduction, project } = await setup();
    const finalBackup = makeFinalBackup(deps, fast);
    await finalBackup(alice, project(db.id), { finalBackup: true });
    await deployProduction();
    await finalBackup(alice, project(db.id), { finalBackup: false });
    await finalBackup(alice, project(web.id), { finalBackup: true });
    expect(sync.jobs).toEqual([]);
  });
});
