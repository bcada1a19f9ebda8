import { describe, expect, it } from 'vitest';
import type { Clock } from '../ports.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import {
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../testing/in-memory-deploy.ts';
import { makeRequestDeploy } from './deployments.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject, makeListProjects, makeUpdateProject } from './projects.ts';
import { makeRunJournal } from './run-journal.ts';
import { makeCreateWorkspace } from './workspaces.ts';

/** A clock that moves one minute forward on every read: each write lands at a later time. */
function steppingClock(): Clock {
  let t = Date.UTC(2026, 0, 1);
  return {
    now: () => {
      t += 60_000;
      return new Date(t);
    },
  };
}

async function setup() {
  const base = { ...inMemoryDeps(), clock: steppingClock() };
  const runs = new InMemoryRuns();
  const deps = {
    ...base,
    runs,
    turns: runs,
    releases: runs,
    workflow: new FakeWorkflow(),
    journal: makeRunJournal({
      runs,
      logs: new InMemoryRunLogs(),
      events: new RecordingPublisher(),
      clock: base.clock,
    }),
  };
  await makeGetMe(deps)(alice);
  await makeGetMe(deps)(bob);
  const ws = await makeCreateWorkspace(deps)(alice, { name: 'shop' });
  const create = makeCreateProject(deps);
  const list = makeListProjects(deps);
  const names = async (query: { limit?: number; q?: string } = {}) =>
    (await list(alice, ws.id, { limit: query.limit ?? 50, q: query.q })).items.map((p) => p.name);
  const add = (name: string) =>
    create(
      alice,
      ws.id,
      projectSchemas('local').create.parse({
        name,
        type: 'database',
        engine: 'postgres',
        version: '16',
        storage: '1Gi',
      }),
    );
  return { deps, ws, list, names, add };
}

describe('listing projects', () => {
  it('puts the newest activity first: created, changed, or deployed', async () => {
    const { deps, ws, names, add } = await setup();
    const [api, web] = [await add('api'), await add('web')];
    await add('worker');
    expect(await names()).toEqual(['worker', 'web', 'api']);

    await makeRequestDeploy(deps)(alice, ws.id, api.id, { environment: 'production' });
    expect(await names()).toEqual(['api', 'worker', 'web']);

    await makeUpdateProject(deps)(alice, ws.id, web.id, { storage: '2Gi' });
    expect(await names()).toEqual(['web', 'api', 'worker']);
  });

  it('pages 50 at a time with a next cursor only while more follow (49, 50, 51, 60 projects)', async () => {
    for (const count of [49, 50, 51, 60]) {
      const { ws, list, add } = await setup();
      for (let i = 0; i < count; i++) await add(`p${String(i).padStart(2, '0')}`);
      const first = await list(alice, ws.id, { limit: 50 });
      expect(first.items).toHaveLength(Math.min(count, 50));
      if (count <= 50) {
        expect(first.nextCursor).toBeUndefined();
        continue;
      }
      const second = await list(alice, ws.id, { limit: 50, cursor: first.nextCursor });
      expect(second.items.map((p) => p.name)).toEqual(
        Array.from({ length: count - 50 }, (_, i) => `p${String(count - 51 - i).padStart(2, '0')}`),
      );
      expect(second.nextCursor).toBeUndefined();
    }
  });

  it('finds projects by a case-insensitive part of the name', async () => {
    const { names, add } = await setup();
    for (const name of ['orders-api', 'orders-db', 'web']) await add(name);
    expect(await names({ q: 'ORDERS' })).toEqual(['orders-db', 'orders-api']);
    expect(await names({ q: ' web ' })).toEqual(['web']);
    expect(await names({ q: 'nope' })).toEqual([]);
  });

  it('lists only for members, and refuses a cursor it did not issue', async () => {
    const { ws, list, add } = await setup();
    await add('web');
    await expect(list(bob, ws.id, { limit: 50 })).rejects.toMatchObject({ code: 'workspace.not_found' });
    await expect(list(alice, ws.id, { limit: 50, cursor: 'garbage!' })).rejects.toMatchObject({
      code: 'request.invalid_cursor',
    });
  });
});
