import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { MonolithProject, Workspace } from '../../../shared/domain.ts';
import { DomainError } from '../../../shared/errors.ts';
import { randomIds } from '../system/ids.ts';
import { makeDocumentClient } from './client.ts';
import { DynamoProjects } from './projects.ts';
import { DynamoWorkspaces } from './workspaces.ts';

let projects: DynamoProjects;
let workspaces: DynamoWorkspaces;

beforeAll(() => {
  const { dynamodbEndpoint } = inject('wharf');
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  const table = {
    doc: makeDocumentClient({ endpoint: dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
  projects = new DynamoProjects(table);
  workspaces = new DynamoWorkspaces(table);
});

const now = new Date().toISOString();

async function workspace(owner: string): Promise<Workspace> {
  const ws: Workspace = {
    id: randomIds.workspaceId(),
    name: owner,
    namespace: `${owner}-ns`,
    personal: false,
    createdBy: owner,
    createdAt: now,
  };
  await workspaces.create(ws, {
    workspaceId: ws.id,
    userId: owner,
    role: 'owner',
    addedAt: now,
    addedBy: owner,
  });
  return ws;
}

const monolith = (ws: Workspace, name: string, domain?: string): MonolithProject => ({
  id: randomIds.projectId(),
  workspaceId: ws.id,
  name,
  type: 'monolith',
  repository: { url: 'https://github.com/acme/web.git', branch: 'main' },
  port: 3000,
  ...(domain ? { domain } : {}),
  autoDeploy: true,
  replicas: 1,
  healthCheckPath: '/',
  environments: ['production'],
  env: [],
  createdBy: ws.createdBy,
  createdAt: now,
  updatedAt: now,
  revision: 1,
});

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  return undefined;
};

describe('DynamoProjects host claims on DynamoDB Local', () => {
  it('claims hosts with the project, across workspaces, case-insensitively, and writes nothing on a taken host', async () => {
    const [a, b] = [await workspace('alice'), await workspace('bob')];
    const domain = `shop-${randomIds.token().toLowerCase()}.example.com`;
    const mine = monolith(a, 'web', domain);
    await projects.create(mine, [
      { host: `web-${a.id}.apps.test`, environment: 'production' },
      { host: domain, environment: 'production' },
    ]);
    expect(await projects.hostOwner(`${domain.toUpperCase()}.`)).toEqual({
      projectId: mine.id,
      workspaceId: a.id,
      environment: 'production',
    });

    const theirs = monolith(b, 'web', domain);
    expect(
      await failure(
        projects.create(theirs, [
          { host: `web-${b.id}.apps.test`, environment: 'production' },
          { host: domain.toUpperCase(), environment: 'production' },
        ]),
      ),
    ).toEqual({
      code: 'project.host_taken',
      field: 'domain',
      message: `domain ${domain} is already served by another project`,
    });
    expect(await projects.get(b.id, theirs.id)).toBeUndefined();
    expect(await projects.hostOwner(`web-${b.id}.apps.test`)).toBeUndefined();
  });

  it('moves a domain in the project write, and frees the hosts on delete', async () => {
    const [a, b] = [await workspace('alice'), await workspace('bob')];
    const [old, next] = ['old', 'new'].map((n) => `${n}-${randomIds.token().toLowerCase()}.example.com`) as [
      string,
      string,
    ];
    const mine = monolith(a, 'web', old);
    await projects.create(mine, [{ host: old, environment: 'production' }]);
    const theirs = monolith(b, 'store');
    await projects.create(theirs, [{ host: `store-${b.id}.apps.test`, environment: 'production' }]);

    const taken = { ...theirs, domain: old, revision: 2 };
    expect(
      (
        await failure(
          projects.update(taken, { claim: [{ host: old, environment: 'production' }], release: [] }),
        )
      )?.code,
    ).toBe('project.host_taken');
    expect((await projects.get(b.id, theirs.id))?.revision).toBe(1);

    await projects.update(
      { ...mine, domain: next, revision: 2 },
      { claim: [{ host: next, environment: 'production' }], release: [old] },
    );
    expect(await projects.hostOwner(old)).toBeUndefined();
    expect((await projects.hostOwner(next))?.projectId).toBe(mine.id);

    // Releasing never frees another project's claim.
    await projects.update(taken, { claim: [{ host: old, environment: 'production' }], release: [] });
    await projects.delete({ ...mine, domain: next, revision: 2 }, now, [next, old]);
    expect(await projects.hostOwner(next)).toBeUndefined();
    expect((await projects.hostOwner(old))?.projectId).toBe(theirs.id);
  });

  it('round-trips environment settings, and names the domain field for a staging domain that is taken', async () => {
    const [a, b] = [await workspace('alice'), await workspace('bob')];
    const domain = `staging-${randomIds.token().toLowerCase()}.example.com`;
    const mine: MonolithProject = {
      ...monolith(a, 'web'),
      environments: ['staging', 'production'],
      environmentSettings: {
        staging: {
          domain,
          env: [{ name: 'TOKEN', secret: true, secretRef: 'wharf/w/p/staging/TOKEN/t' }],
          autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuPercent: 70 },
          trigger: 'push',
        },
        production: { requiresApproval: true, tagPattern: 'v*' },
      },
    };
    await projects.create(mine, [{ host: domain, environment: 'staging' }]);
    expect(await projects.get(a.id, mine.id)).toEqual(mine);
    expect((await projects.hostOwner(domain))?.environment).toBe('staging');

    const theirs = monolith(b, 'store');
    await projects.create(theirs, []);
    const next: MonolithProject = {
      ...theirs,
      environments: ['staging', 'production'],
      environmentSettings: { staging: { domain } },
      revision: 2,
    };
    expect(
      await failure(
        projects.update(next, { claim: [{ host: domain, environment: 'staging' }], release: [] }),
      ),
    ).toMatchObject({ code: 'project.host_taken', field: 'domain' });
  });
});

describe('DynamoProjects by repository alone (tag pushes) on DynamoDB Local', () => {
  it('finds the projects of a repository whatever their branch, in any workspace, following URL changes and deletes', async () => {
    const url = `https://github.com/acme/tags-${Date.now()}.git`;
    const a = await workspace(`tags-a-${Date.now()}`);
    const b = await workspace(`tags-b-${Date.now()}`);
    const main = { ...monolith(a, 'main-web'), repository: { url, branch: 'main' } };
    const develop = { ...monolith(b, 'develop-web'), repository: { url, branch: 'develop' } };
    await projects.create(main, []);
    await projects.create(develop, []);
    // Another spelling of the same repository (as a webhook may send it) finds them too.
    const spelled = url.replace('.git', '').replace('github.com/acme', 'GitHub.com/ACME');
    const ids = async (u = url) => (await projects.findByRepositoryUrl(u)).map((p) => p.id).sort();
    expect(await ids()).toEqual([main.id, develop.id].sort());
    expect(await ids(spelled)).toEqual([main.id, develop.id].sort());

    // Moved to another repository: no longer found under the old one, found under the new one.
    const moved = `${url.replace('.git', '')}-moved.git`;
    await projects.update({ ...develop, repository: { url: moved, branch: 'develop' }, revision: 2 });
    expect(await ids()).toEqual([main.id]);
    expect(await ids(moved)).toEqual([develop.id]);

    await projects.delete(main, now, []);
    expect(await ids()).toEqual([]);
  });
});

describe('DynamoProjects list on DynamoDB Local: newest activity first, paged, searched', () => {
  /** `count` projects, created one minute apart (p00 oldest), with no host claims. */
  async function projectsIn(count: number) {
    const ws = await workspace('lists');
    const made: MonolithProject[] = [];
    for (let i = 0; i < count; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      const p = { ...monolith(ws, `p${String(i).padStart(2, '0')}`), createdAt: at, updatedAt: at };
      await projects.create(p, []);
      made.push(p);
    }
    return { ws, made };
  }

  /** Every page of 50 the list returns, following nextCursor. */
  async function pages(workspaceId: string, query?: string) {
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await projects.list(workspaceId, { limit: 50, cursor, query });
      seen.push(page.items.map((p) => p.name));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 10);
    return seen;
  }

  it.each([49, 50, 51, 60])('pages %i projects with no empty page and nothing repeated', async (count) => {
    const { ws, made } = await projectsIn(count);
    const all = await pages(ws.id);
    expect(all.map((p) => p.length)).toEqual(count > 50 ? [50, count - 50] : [count]);
    expect(all.flat()).toEqual(made.map((p) => p.name).reverse());
  });

  it('puts a project whose run started last first, never moves it back for an older start, and forgets a deleted one', async () => {
    const { ws, made } = await projectsIn(3);
    const [p0, p1] = made as [MonolithProject, MonolithProject, MonolithProject];
    await projects.recordActivity(ws.id, p0.id, '2026-02-01T00:00:00.000Z');
    await projects.recordActivity(ws.id, p0.id, '2026-01-15T00:00:00.000Z');
    expect((await pages(ws.id)).flat()).toEqual(['p00', 'p02', 'p01']);

    // A change counts as activity too.
    await projects.update({ ...p1, updatedAt: '2026-03-01T00:00:00.000Z', revision: 2 });
    expect((await pages(ws.id)).flat()).toEqual(['p01', 'p00', 'p02']);

    await projects.delete({ ...p1, revision: 2 }, now, []);
    expect((await pages(ws.id)).flat()).toEqual(['p00', 'p02']);
  });

  it('finds projects by a case-insensitive part of the name, paged the same way', async () => {
    const { ws } = await projectsIn(60);
    expect(await pages(ws.id, 'P1')).toEqual([
      ['p19', 'p18', 'p17', 'p16', 'p15', 'p14', 'p13', 'p12', 'p11', 'p10'],
    ]);
    expect(await pages(ws.id, 'nothing')).toEqual([[]]);
  });

  it('refuses a cursor it did not issue', async () => {
    const { ws } = await projectsIn(1);
    expect((await failure(projects.list(ws.id, { limit: 5, cursor: 'bm90LWEtY3Vyc29y' })))?.code).toBe(
      'request.invalid_cursor',
    );
  });
});
