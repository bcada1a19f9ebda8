import { describe, expect, it } from 'vitest';
import { legacyDatabasePasswordRef as databasePasswordRef } from '../databases.ts';
import type { DomainError } from '../errors.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { FakeGitOps, InMemoryRuns } from '../testing/in-memory-deploy.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject, makeDeleteProject, makeGetProject, makeUpdateProject } from './projects.ts';
import { makeCreateWorkspace } from './workspaces.ts';

const schemas = projectSchemas('local');

/** The in-memory ports, with the run store answering the environments' live state. */
const projectDeps = () => {
  const runs = new InMemoryRuns();
  return { ...inMemoryDeps(), runs, turns: runs, releases: runs };
};

const setup = async () => {
  const deps = projectDeps();
  await makeGetMe(deps)(alice);
  await makeGetMe(deps)(bob);
  const ws = await makeCreateWorkspace(deps)(alice, { name: 'shop' });
  return { deps, ws, create: makeCreateProject(deps) };
};

const monolith = (extra: Record<string, unknown> = {}) =>
  schemas.create.parse({
    name: 'web',
    type: 'monolith',
    repository: { url: 'https://github.com/acme/web.git' },
    port: 3000,
    env: [
      { name: 'NODE_ENV', value: 'production' },
      { name: 'API_KEY', value: 's3cret', secret: true },
    ],
    ...extra,
  });

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const d = e as DomainError;
    return { code: d.code, field: d.field };
  }
  return undefined;
};

describe('projects', () => {
  it('gives a database a generated password in the secret store before its first deploy', async () => {
    const { deps, ws, create } = await setup();
    const db = await create(
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
    const password = deps.secrets.values.get(databasePasswordRef(ws.id, db.id));
    expect(password).toMatch(/^[0-9a-z]{30,}$/);
    expect(JSON.stringify(db)).not.toContain(password);
    await makeDeleteProject({ ...deps, gitops: new FakeGitOps() })(alice, ws.id, db.id, 'orders-db');
    expect(deps.secrets.values.has(databasePasswordRef(ws.id, db.id))).toBe(false);
  });

  it('stores secret values in the secret store and never returns them', async () => {
    const { deps, ws, create } = await setup();
    const project = await create(alice, ws.id, monolith());
    expect(project.env).toEqual([
      { name: 'NODE_ENV', secret: false, value: 'production' },
      { name: 'API_KEY', secret: true, set: true },
    ]);
    expect(JSON.stringify(project)).not.toContain('s3cret');
    expect([...deps.secrets.values.values()]).toEqual(['s3cret']);
    expect(project.namespaces).toEqual({ staging: `${ws.namespace}-staging`, production: ws.namespace });
  });

  it('rejects a second project with the same name and leaves no secret behind', async () => {
    const { deps, ws, create } = await setup();
    await create(alice, ws.id, monolith());
    expect(await failure(create(alice, ws.id, monolith()))).toEqual({
      code: 'project.name_taken',
      field: 'name',
    });
    expect(deps.secrets.values.size).toBe(1);
  });

  it('keeps a secret when PATCH names it without a value, and replaces it when given one', async () => {
    const { deps, ws, create } = await setup();
    const created = await create(alice, ws.id, monolith());
    const update = makeUpdateProject(deps);
    await update(alice, ws.id, created.id, { env: [{ name: 'API_KEY', secret: true }], port: 8080 });
    expect([...deps.secrets.values.values()]).toEqual(['s3cret']);
    const replaced = await update(alice, ws.id, created.id, {
      env: [{ name: 'API_KEY', secret: true, value: 'new' }],
    });
    expect([...deps.secrets.values.values()]).toEqual(['new']);
    expect(replaced).toMatchObject({ port: 8080, revision: 3 });
    expect(
      await failure(update(alice, ws.id, created.id, { env: [{ name: 'OTHER', secret: true }] })),
    ).toEqual({
      code: 'project.secret_value_required',
      field: 'env.0.value',
    });
  });

  it('keeps a custom domain PATCH leaves out, changes it, and removes it with null', async () => {
    const { deps, ws, create } = await setup();
    const created = await create(alice, ws.id, monolith({ domain: 'shop.example.com' }));
    const update = makeUpdateProject(deps);
    expect(await update(alice, ws.id, created.id, { port: 8080 })).toMatchObject({
      domain: 'shop.example.com',
    });
    expect(await update(alice, ws.id, created.id, { domain: 'www.example.com' })).toMatchObject({
      domain: 'www.example.com',
    });
    const cleared = await update(alice, ws.id, created.id, { domain: null });
    expect('domain' in cleared).toBe(false);
    expect('domain' in ((await deps.projects.get(ws.id, created.id)) ?? {})).toBe(false);
    expect(await failure(update(alice, ws.id, created.id, { domain: 'not a host' }))).toMatchObject({
      field: 'domain',
    });
  });

  it('refuses to change name or type, and fields that do not apply to the type', async () => {
    const { deps, ws, create } = await setup();
    const created = await create(alice, ws.id, monolith());
    const update = makeUpdateProject(deps);
    expect(await failure(update(alice, ws.id, created.id, { name: 'other' }))).toEqual({
      code: 'project.name_immutable',
      field: 'name',
    });
    expect(await failure(update(alice, ws.id, created.id, { engine: 'mysql' }))).toEqual({
      code: 'request.invalid',
      field: 'engine',
    });
  });

  it('deletes only with the name as confirmation, and removes its secrets', async () => {
    const { deps, ws, create } = await setup();
    const created = await create(alice, ws.id, monolith());
    const gitops = new FakeGitOps();
    const del = makeDeleteProject({ ...deps, turns: new InMemoryRuns(), gitops });
    expect(await failure(del(alice, ws.id, created.id, undefined))).toEqual({
      code: 'project.confirmation_required',
      field: 'confirm',
    });
    await del(alice, ws.id, created.id, 'web');
    expect(deps.secrets.values.size).toBe(0);
    expect(gitops.commits[0]?.change.deletePaths).toEqual([
      `apps/${ws.id}/alice/web/staging`,
      `apps/${ws.id}/alice/web/production`,
    ]);
    expect(await failure(makeGetProject(deps)(alice, ws.id, created.id))).toEqual({
      code: 'project.not_found',
      field: undefined,
    });
  });

  it('keeps other tenants out', async () => {
    const { deps, ws, create } = await setup();
    const created = await create(alice, ws.id, monolith());
    expect((await failure(makeGetProject(deps)(bob, ws.id, created.id)))?.code).toBe('workspace.not_found');
    expect((await failure(create(bob, ws.id, monolith({ name: 'x' }))))?.code).toBe('workspace.not_found');
  });

  describe('hosts are unique across all workspaces (B9)', () => {
    const twoTenants = async () => {
      const s = await setup();
      const rival = await makeCreateWorkspace(s.deps)(bob, { name: 'rival' });
      return { ...s, rival, update: makeUpdateProject(s.deps) };
    };

    it('claims the platform host of each environment and the custom domain', async () => {
      const { deps, ws, create } = await twoTenants();
      const created = await create(alice, ws.id, monolith({ domain: 'shop.example.com' }));
      const owners = [...deps.projects.hosts.entries()].map(([host, claim]) => [host, claim.environment]);
      expect(owners).toEqual(
        expect.arrayContaining([
          ['shop.example.com', 'production'],
          [expect.stringMatching(/^web-shop-.+\.apps\.test$/), 'production'],
          [expect.stringMatching(/^web-shop-staging-.+\.apps\.test$/), 'staging'],
        ]),
      );
      expect(await deps.projects.hostOwner('SHOP.example.com.')).toEqual({
        projectId: created.id,
        workspaceId: ws.id,
        environment: 'production',
      });
    });

    it('refuses a domain another workspace serves, and writes nothing', async () => {
      const { deps, ws, rival, create } = await twoTenants();
      await create(alice, ws.id, monolith({ domain: 'shop.example.com' }));
      const before = deps.projects.items.size;
      expect(await failure(create(bob, rival.id, monolith({ domain: 'shop.example.com' })))).toEqual({
        code: 'project.host_taken',
        field: 'domain',
      });
      expect(deps.projects.items.size).toBe(before);
      expect(deps.secrets.values.size).toBe(1);
    });

    it('refuses a domain change to a taken host, and frees the old domain on a change', async () => {
      const { deps, ws, rival, create, update } = await twoTenants();
      const mine = await create(alice, ws.id, monolith({ domain: 'shop.example.com' }));
      const theirs = await create(bob, rival.id, monolith({ name: 'store' }));
      expect(await failure(update(bob, rival.id, theirs.id, { domain: 'shop.example.com' }))).toEqual({
        code: 'project.host_taken',
        field: 'domain',
      });
      expect(await makeGetProject(deps)(bob, rival.id, theirs.id)).not.toHaveProperty('domain');
      await update(alice, ws.id, mine.id, { domain: 'www.shop.example.com' });
      await update(bob, rival.id, theirs.id, { domain: 'shop.example.com' });
      expect((await deps.projects.hostOwner('shop.example.com'))?.projectId).toBe(theirs.id);
      await update(bob, rival.id, theirs.id, { domain: null });
      expect(await deps.projects.hostOwner('shop.example.com')).toBeUndefined();
    });

    it('frees every host of a deleted project', async () => {
      const { deps, ws, rival, create } = await twoTenants();
      const mine = await create(alice, ws.id, monolith({ domain: 'shop.example.com' }));
      const del = makeDeleteProject({ ...deps, turns: new InMemoryRuns(), gitops: new FakeGitOps() });
      await del(alice, ws.id, mine.id, 'web');
      expect(deps.projects.hosts.size).toBe(0);
      await create(bob, rival.id, monolith({ domain: 'shop.example.com' }));
    });
  });

  describe('repository hosts that resolve inward (cloud mode)', () => {
    const dns: Record<string, string[]> = {
      'github.com': ['140.82.112.3'],
      'git.acme.io': ['140.82.112.4', '10.0.0.7'],
      'rebind.acme.io': ['::ffff:169.254.169.254'],
    };
    const cloudSetup = async () => {
      const asked: string[] = [];
      const deps = {
        ...projectDeps(),
        mode: 'cloud' as const,
        resolveHost: async (host: string) => {
          asked.push(host);
          const addresses = dns[host];
          if (!addresses) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
          return addresses.map((address) => ({ address }));
        },
      };
      await makeGetMe(deps)(alice);
      const ws = await makeCreateWorkspace(deps)(alice, { name: 'shop' });
      return { deps, ws, asked, create: makeCreateProject(deps) };
    };
    const cloudMonolith = (url: string) =>
      projectSchemas('cloud').create.parse({
        name: 'web',
        type: 'monolith',
        repository: { url },
        port: 3000,
        env: [{ name: 'API_KEY', value: 's3cret', secret: true }],
      });

    it('refuses a create whose host resolves to a private address, and writes nothing', async () => {
      const { deps, ws, asked, create } = await cloudSetup();
      for (const url of ['https://git.acme.io/web.git', 'https://rebind.acme.io/web.git']) {
        expect(await failure(create(alice, ws.id, cloudMonolith(url)))).toEqual({
          code: 'network.private_host',
          field: 'repository.url',
        });
      }
      expect(asked).toEqual(['git.acme.io', 'rebind.acme.io']);
      expect(deps.secrets.values.size).toBe(0);
      expect((await deps.projects.list(ws.id, { limit: 10 })).items).toEqual([]);
    });

    it('refuses a PATCH that moves the repository to such a host, and keeps the project as it was', async () => {
      const { deps, ws, create } = await cloudSetup();
      const created = await create(alice, ws.id, cloudMonolith('https://github.com/acme/web.git'));
      const update = makeUpdateProject(deps);
      const body = {
        repository: { url: 'https://git.acme.io/web.git' },
        env: [{ name: 'B', value: 'x', secret: true }],
      };
      expect(await failure(update(alice, ws.id, created.id, body))).toEqual({
        code: 'network.private_host',
        field: 'repository.url',
      });
      expect(await makeGetProject(deps)(alice, ws.id, created.id)).toMatchObject({
        repository: {
          url: 'https://github.com/acme/web.git',
          branch: 'main',
        },
      });
      expect(deps.secrets.values.size).toBe(1);
      expect(
        await failure(update(alice, ws.id, created.id, { repository: { url: 'https://nowhere.acme.io/w' } })),
      ).toEqual({ code: 'network.unresolvable_host', field: 'repository.url' });
    });

    it('accepts public hosts, and does not resolve in local mode or for databases', async () => {
      const { ws, asked, create } = await cloudSetup();
      await create(alice, ws.id, cloudMonolith('https://github.com/acme/web.git'));
      await create(
        alice,
        ws.id,
        projectSchemas('cloud').create.parse({
          name: 'db',
          type: 'database',
          engine: 'redis',
          version: '7',
          storage: '1Gi',
        }),
      );
      expect(asked).toEqual(['github.com']);
      const local = await setup();
      const resolveHost = async () => {
        throw new Error('must not resolve in local mode');
      };
      await makeCreateProject({ ...local.deps, resolveHost })(alice, local.ws.id, monolith());
    });
  });
});
