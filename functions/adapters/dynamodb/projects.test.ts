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
