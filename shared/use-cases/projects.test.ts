import { describe, expect, it } from 'vitest';
import { databaseSecretRefs, legacyDatabasePasswordRef } from '../databases.ts';
import type { DatabaseProject, MicroservicesProject, MonolithProject } from '../domain.ts';
import type { DomainError } from '../errors.ts';
import { workspaceNamespace } from '../naming.ts';
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

const database = (extra: Record<string, unknown> = {}) =>
  schemas.create.parse({
    name: 'orders-db',
    type: 'database',
    engine: 'postgres',
    version: '16',
    storage: '1Gi',
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
  it('gives each environment of a database its own password and URL in the secret store, before the project', async () => {
    const { deps, ws, create } = await setup();
    const db = await create(alice, ws.id, database());
    const stored = deps.projects.items.get(db.id) as DatabaseProject;
    for (const environment of ['staging', 'production'] as const) {
      const refs = databaseSecretRefs(ws.id, db.id, environment);
      const password = deps.secrets.values.get(refs.passwordRef) as string;
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(deps.secrets.values.get(refs.urlRef)).toBe(
        `postgresql://orders_db:${password}@orders-db.${workspaceNamespace(ws, environment)}.svc.cluster.local:5432/orders_db`,
      );
      expect(stored.credentials?.[environment]).toEqual({
        user: 'orders_db',
        database: 'orders_db',
        ...refs,
        version: 1,
        rotatedAt: '2026-11-22T10:00:00.000Z',
      });
      expect(JSON.stringify(db)).not.toContain(password);
    }
    // The one project-level password of older databases is not written any more.
    expect(deps.secrets.values.has(legacyDatabasePasswordRef(ws.id, db.id))).toBe(false);
    expect(deps.secrets.values.size).toBe(4);
    await makeDeleteProject({ ...deps, gitops: new FakeGitOps() })(alice, ws.id, db.id, 'orders-db');
    expect(deps.secrets.values.size).toBe(0);
  });

  it('leaves no database secret behind when a secret write or the project write fails', async () => {
    const { deps, ws, create } = await setup();
    let puts = 0;
    const flaky = Object.assign(Object.create(deps.secrets), {
      put: async (ref: string, value: string) => {
        if (++puts === 3) throw new Error('secrets manager throttled');
        return deps.secrets.put(ref, value);
      },
    });
    await expect(makeCreateProject({ ...deps, secrets: flaky })(alice, ws.id, database())).rejects.toThrow(
      'throttled',
    );
    expect(deps.secrets.values.size).toBe(0);
    await create(alice, ws.id, monolith({ name: 'orders-db' }));
    const before = deps.secrets.values.size;
    expect((await failure(create(alice, ws.id, database())))?.code).toBe('project.name_taken');
    expect(deps.secrets.values.size).toBe(before);
  });

  it("stores a database's backup settings on create and changes them on update", async () => {
    const { deps, ws, create } = await setup();
    const db = await create(alice, ws.id, database({ backup: { schedule: '0 4 * * *', retain: 3 } }));
    expect(db).toMatchObject({ backup: { schedule: '0 4 * * *', retain: 3 } });
    await makeUpdateProject(deps)(alice, ws.id, db.id, { backup: { schedule: '30 1 * * 0', retain: 14 } });
    expect((deps.projects.items.get(db.id) as DatabaseProject).backup).toEqual({
      schedule: '30 1 * * 0',
      retain: 14,
    });
  });

  it('deletes the legacy password of a database created before per-environment credentials', async () => {
    const { deps, ws, create } = await setup();
    const db = await create(alice, ws.id, database());
    const stored = deps.projects.items.get(db.id) as DatabaseProject;
    deps.projects.items.set(db.id, { ...stored, credentials: undefined });
    deps.secrets.values.clear();
    deps.secrets.values.set(legacyDatabasePasswordRef(ws.id, db.id), 'old');
    await makeDeleteProject({ ...deps, gitops: new FakeGitOps() })(alice, ws.id, db.id, 'orders-db');
    expect(deps.secrets.values.size).toBe(0);
  });

  describe('database bindings', () => {
    const bound = async () => {
      const s = await setup();
      const db = await s.create(alice, s.ws.id, database());
      const app = await s.create(alice, s.ws.id, monolith());
      return { ...s, db, app, update: makeUpdateProject(s.deps) };
    };

    it('binds a database of the workspace, keeps it on other changes, and detaches with null or []', async () => {
      const { ws, db, app, update } = await bound();
      const databases = [{ projectId: db.id, env: 'DATABASE_URL' }];
      expect(await update(alice, ws.id, app.id, { databases })).toMatchObject({ databases });
      expect(await update(alice, ws.id, app.id, { port: 8080 })).toMatchObject({ databases });
      expect(await update(alice, ws.id, app.id, { databases: null })).not.toHaveProperty('databases');
      await update(alice, ws.id, app.id, { databases });
      expect(await update(alice, ws.id, app.id, { databases: [] })).not.toHaveProperty('databases');
    });

    it('refuses what is not a database of this workspace, the project itself, and a taken variable', async () => {
      const { deps, ws, db, app, update, create } = await bound();
      const other = await create(alice, ws.id, monolith({ name: 'other' }));
      const rival = await makeCreateWorkspace(deps)(bob, { name: 'rival' });
      const foreign = await makeCreateProject(deps)(bob, rival.id, database());
      const refused = async (databases: unknown) => failure(update(alice, ws.id, app.id, { databases }));
      expect(await refused([{ projectId: 'pmissing', env: 'DATABASE_URL' }])).toEqual({
        code: 'project.database_not_found',
        field: 'databases.0.projectId',
      });
      expect(await refused([{ projectId: foreign.id, env: 'DATABASE_URL' }])).toEqual({
        code: 'project.database_not_found',
        field: 'databases.0.projectId',
      });
      expect(await refused([{ projectId: other.id, env: 'DATABASE_URL' }])).toEqual({
        code: 'project.database_not_found',
        field: 'databases.0.projectId',
      });
      expect(await refused([{ projectId: app.id, env: 'DATABASE_URL' }])).toEqual({
        code: 'project.database_not_found',
        field: 'databases.0.projectId',
      });
      expect(
        await refused([
          { projectId: db.id, env: 'DATABASE_URL' },
          { projectId: db.id, env: 'API_KEY' },
        ]),
      ).toEqual({ code: 'project.database_env_taken', field: 'databases.1.env' });
      expect((deps.projects.items.get(app.id) as MonolithProject).databases).toBeUndefined();
    });

    it('refuses a database that lacks one of the app environments', async () => {
      const { ws, app, update, create } = await bound();
      const prodOnly = await create(
        alice,
        ws.id,
        database({ name: 'prod-db', environments: ['production'] }),
      );
      expect(
        await failure(update(alice, ws.id, app.id, { databases: [{ projectId: prodOnly.id, env: 'DB' }] })),
      ).toEqual({ code: 'project.database_environment_missing', field: 'databases.0.projectId' });
    });

    it('checks bindings given on create too', async () => {
      const { ws, db, create } = await bound();
      expect(
        await failure(
          create(alice, ws.id, monolith({ name: 'api', databases: [{ projectId: db.id, env: 'NODE_ENV' }] })),
        ),
      ).toEqual({ code: 'project.database_env_taken', field: 'databases.0.env' });
      const api = await create(
        alice,
        ws.id,
        monolith({ name: 'api', databases: [{ projectId: db.id, env: 'DATABASE_URL' }] }),
      );
      expect(api).toMatchObject({ databases: [{ projectId: db.id, env: 'DATABASE_URL' }] });
    });

    it('refuses to delete a bound database, naming the projects, until they detach', async () => {
      const { deps, ws, db, app, update } = await bound();
      await update(alice, ws.id, app.id, { databases: [{ projectId: db.id, env: 'DATABASE_URL' }] });
      const gitops = new FakeGitOps();
      const calls: string[] = [];
      const del = makeDeleteProject({
        ...deps,
        gitops,
        beforeDelete: async (_identity, project, options) => {
          calls.push(`${project.name} finalBackup=${options.finalBackup} commits=${gitops.commits.length}`);
        },
      });
      const refused = await failure(del(alice, ws.id, db.id, 'orders-db'));
      expect(refused).toEqual({ code: 'project.database_in_use', field: undefined });
      await expect(del(alice, ws.id, db.id, 'orders-db')).rejects.toThrow(/web/);
      expect(calls).toEqual([]);
      expect(gitops.commits).toEqual([]);
      await update(alice, ws.id, app.id, { databases: null });
      await del(alice, ws.id, db.id, 'orders-db', { finalBackup: false });
      expect(calls).toEqual(['orders-db finalBackup=false commits=0']);
      expect(gitops.commits).toHaveLength(1);
    });

    it('stops the delete when the final backup fails, with nothing removed', async () => {
      const { deps, ws, db } = await bound();
      const gitops = new FakeGitOps();
      const del = makeDeleteProject({
        ...deps,
        gitops,
        beforeDelete: async () => {
          throw new Error('backup failed');
        },
      });
      await expect(del(alice, ws.id, db.id, 'orders-db')).rejects.toThrow('backup failed');
      expect(gitops.commits).toEqual([]);
      expect(deps.projects.items.get(db.id)?.deletedAt).toBeUndefined();
      expect(deps.secrets.values.size).toBeGreaterThan(0);
    });
  });

  it("gives new services Spring Boot's actuator probes unless they name their own", async () => {
    const { ws, create } = await setup();
    const shop = (await create(
      alice,
      ws.id,
      schemas.create.parse({
        name: 'shop',
        type: 'microservices',
        repository: { url: 'https://github.com/acme/shop.git' },
        services: [
          { name: 'gateway', path: 'gateway', port: 8080, entry: true },
          { name: 'orders', path: 'orders', port: 8080, readinessPath: '/ready', livenessPath: '/alive' },
        ],
      }),
    )) as unknown as MicroservicesProject;
    expect(shop.services).toEqual([
      {
        name: 'gateway',
        path: 'gateway',
        port: 8080,
        entry: true,
        readinessPath: '/actuator/health/readiness',
        livenessPath: '/actuator/health/liveness',
      },
      {
        name: 'orders',
        path: 'orders',
        port: 8080,
        entry: false,
        readinessPath: '/ready',
        livenessPath: '/alive',
      },
    ]);
  });

  it('keeps each service probe paths on update; new services get Spring ones, old stored ones keep TCP', async () => {
    const { deps, ws, create } = await setup();
    const shop = await create(
      alice,
      ws.id,
      schemas.create.parse({
        name: 'shop',
        type: 'microservices',
        repository: { url: 'https://github.com/acme/shop.git' },
        services: [
          { name: 'gateway', path: 'gateway', port: 8080, entry: true, readinessPath: '/ready' },
          { name: 'orders', path: 'orders', port: 8080 },
        ],
      }),
    );
    // A service stored before probe paths existed.
    const stored = deps.projects.items.get(shop.id) as MicroservicesProject;
    deps.projects.items.set(shop.id, {
      ...stored,
      services: stored.services.map((s) =>
        s.name === 'orders' ? { name: s.name, path: s.path, port: s.port, entry: s.entry } : s,
      ),
    });
    const updated = (await makeUpdateProject(deps)(alice, ws.id, shop.id, {
      services: [
        { name: 'gateway', path: 'gateway', port: 8080, entry: true },
        { name: 'orders', path: 'orders', port: 9090 },
        { name: 'billing', path: 'billing', port: 8080 },
      ],
    })) as MicroservicesProject;
    expect(updated.services).toEqual([
      {
        name: 'gateway',
        path: 'gateway',
        port: 8080,
        entry: true,
        readinessPath: '/ready',
        livenessPath: '/actuator/health/liveness',
      },
      { name: 'orders', path: 'orders', port: 9090, entry: false },
      {
        name: 'billing',
        path: 'billing',
        port: 8080,
        entry: false,
        readinessPath: '/actuator/health/readiness',
        livenessPath: '/actuator/health/liveness',
      },
    ]);
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
