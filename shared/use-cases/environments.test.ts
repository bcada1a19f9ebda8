import { describe, expect, it } from 'vitest';
import type { Release } from '../deploy.ts';
import type { Project } from '../domain.ts';
import type { DomainError } from '../errors.ts';
import { updateEnvironmentSchema } from '../schemas/environment.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { InMemoryRuns } from '../testing/in-memory-deploy.ts';
import { makeGetEnvironment, makeUpdateEnvironment } from './environments.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject, makeGetProject, makeListProjects, makeUpdateProject } from './projects.ts';
import { makeAddMember, makeCreateWorkspace } from './workspaces.ts';

const schemas = projectSchemas('local');
const carol = { userId: 'carol', username: 'carol' };

const setup = async () => {
  const runs = new InMemoryRuns();
  const deps = { ...inMemoryDeps(), runs, turns: runs, releases: runs };
  for (const who of [alice, bob, carol]) await makeGetMe(deps)(who);
  const ws = await makeCreateWorkspace(deps)(alice, { name: 'shop' });
  await makeAddMember(deps)(alice, ws.id, { userId: 'bob', role: 'member' });
  const project = await makeCreateProject(deps)(
    alice,
    ws.id,
    schemas.create.parse({
      name: 'web',
      type: 'monolith',
      repository: { url: 'https://github.com/acme/web.git' },
      port: 3000,
      replicas: 2,
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'API_KEY', value: 'project-secret', secret: true },
      ],
    }),
  );
  const update = makeUpdateEnvironment(deps);
  const patch = (who: typeof alice, env: string, body: unknown, projectId = project.id) =>
    update(who, ws.id, projectId, env, updateEnvironmentSchema.parse(body));
  return { deps, runs, ws, project, patch, get: makeGetEnvironment(deps) };
};

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const d = e as DomainError;
    return { kind: d.kind, code: d.code, field: d.field };
  }
  return undefined;
};

describe('environments', () => {
  it('new projects get staging then production, each with its namespace, host and defaults', async () => {
    const { ws, project } = await setup();
    expect(project.environments).toEqual(['staging', 'production']);
    expect(project.pipeline.map((e) => [e.name, e.namespace, e.trigger])).toEqual([
      ['staging', `${ws.namespace}-staging`, 'push'],
      ['production', ws.namespace, 'tag'],
    ]);
    expect(project.pipeline[0]?.host).toMatch(/^web-shop-staging-w.+\.apps\.test$/);
    expect(project.pipeline[1]).toMatchObject({
      host: expect.stringMatching(/^web-shop-w.+\.apps\.test$/),
      liveUrl: expect.stringMatching(/^https:\/\/web-shop-w/),
      replicas: 2,
      env: [],
      tagPattern: 'v*.*.*',
      requiresApproval: false,
    });
    expect(project).not.toHaveProperty('environmentSettings');
  });

  it('a create body may keep production alone; databases get both environments too', async () => {
    const { deps, ws } = await setup();
    const create = makeCreateProject(deps);
    const only = await create(
      alice,
      ws.id,
      schemas.create.parse({
        name: 'solo',
        type: 'monolith',
        repository: { url: 'https://github.com/acme/solo.git' },
        port: 3000,
        environments: ['production'],
      }),
    );
    expect(only.pipeline.map((e) => [e.name, e.trigger])).toEqual([['production', 'push']]);
    const db = await create(
      alice,
      ws.id,
      schemas.create.parse({
        name: 'db',
        type: 'database',
        engine: 'postgres',
        version: '16',
        storage: '1Gi',
      }),
    );
    expect(db.pipeline.map((e) => [e.name, e.trigger, e.host])).toEqual([
      ['staging', 'manual', `db.${ws.namespace}-staging.svc.cluster.local`],
      ['production', 'manual', `db.${ws.namespace}.svc.cluster.local`],
    ]);
    expect(db.pipeline[1]?.liveUrl).toBe(`postgres://db.${ws.namespace}.svc.cluster.local:5432`);
  });

  it('reads, renders the view of and updates a project stored before environments existed', async () => {
    const { deps, ws, project, patch } = await setup();
    // As DynamoDB holds it: only production, no environmentSettings.
    const { environmentSettings: _s, ...stored } = deps.projects.items.get(project.id) as Project;
    deps.projects.items.set(project.id, { ...stored, environments: ['production'] });
    const view = await makeGetProject(deps)(alice, ws.id, project.id);
    expect(view.namespaces).toEqual({ production: ws.namespace });
    expect(view.pipeline).toEqual([
      expect.objectContaining({ name: 'production', trigger: 'push', replicas: 2, requiresApproval: false }),
    ]);
    expect(await makeUpdateProject(deps)(alice, ws.id, project.id, { port: 8080 })).toMatchObject({
      port: 8080,
      environments: ['production'],
    });
    expect(await failure(patch(alice, 'staging', {}))).toMatchObject({
      kind: 'not_found',
      code: 'environment.not_found',
    });
  });

  it('answers one environment with its current release, hold and out-of-sync state', async () => {
    const { runs, ws, project, get, deps } = await setup();
    const release = {
      id: 'l1',
      number: 1,
      workspaceId: ws.id,
      projectId: project.id,
      environment: 'production',
      runId: 'r1',
      kind: 'deploy',
      image: { reference: 'registry/web:abc', digest: 'sha256:aa' },
      sourceCommit: 'abc',
      commit: { sha: 'abc', message: 'Fix header', author: 'Alice' },
      values: 'secret-free: yes',
      envNames: [],
      gitopsCommit: 'g1',
      gitopsPath: 'apps/x',
      appName: 'web',
      createdBy: 'alice',
      createdAt: '2026-11-22T10:00:00.000Z',
    } satisfies Release;
    await runs.recordRelease(release);
    await runs.setHold(project.id, 'production', { by: 'alice', at: release.createdAt, runId: 'r2' });
    const production = await get(alice, ws.id, project.id, 'production');
    expect(production.currentRelease).toEqual({
      id: 'l1',
      number: 1,
      kind: 'deploy',
      image: release.image,
      sourceCommit: 'abc',
      // The status summary names the live commit by its message and author.
      commit: { sha: 'abc', message: 'Fix header', author: 'Alice' },
      createdAt: release.createdAt,
      createdBy: 'alice',
      promotedFrom: undefined,
    });
    expect(production.hold).toMatchObject({ by: 'alice', runId: 'r2' });
    const staging = await get(alice, ws.id, project.id, 'staging');
    expect(staging).not.toHaveProperty('currentRelease');
    expect(staging).not.toHaveProperty('hold');
    const full = await makeGetProject(deps)(alice, ws.id, project.id);
    expect(full.pipeline[1]?.currentRelease?.id).toBe('l1');
    // The list gives settings only (no read per environment): the live state is the project's answer.
    const list = await makeListProjects(deps)(alice, ws.id, { limit: 10 });
    expect(list.items[0]?.pipeline[1]).toMatchObject({ name: 'production', trigger: expect.any(String) });
    expect(list.items[0]?.pipeline[1]).not.toHaveProperty('hold');
    expect(list.items[0]?.pipeline[1]).not.toHaveProperty('currentRelease');
  });

  it('stores overrides per environment: secrets under refs naming it, write-only, old ones deleted', async () => {
    const { deps, ws, project, patch } = await setup();
    const staging = await patch(alice, 'staging', {
      env: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'API_KEY', value: 'staging-secret', secret: true },
      ],
      replicas: 1,
    });
    expect(staging.env).toEqual([
      { name: 'LOG_LEVEL', secret: false, value: 'debug' },
      { name: 'API_KEY', secret: true, set: true },
    ]);
    expect(JSON.stringify(staging)).not.toContain('staging-secret');
    const refs = () => [...deps.secrets.values.entries()];
    const stagingRef = refs().find(([, v]) => v === 'staging-secret')?.[0];
    expect(stagingRef).toMatch(new RegExp(`^wharf/${ws.id}/${project.id}/staging/API_KEY/`));
    // A secret without a value keeps the stored one; a new value replaces it and the old ref goes.
    await patch(alice, 'staging', { env: [{ name: 'API_KEY', secret: true }] });
    expect(deps.secrets.values.get(stagingRef as string)).toBe('staging-secret');
    await patch(alice, 'staging', { env: [{ name: 'API_KEY', secret: true, value: 'rotated' }] });
    expect(deps.secrets.values.has(stagingRef as string)).toBe(false);
    expect(
      refs()
        .map(([, v]) => v)
        .sort(),
    ).toEqual(['project-secret', 'rotated']);
    // Production is untouched; the project's variables too.
    const production = await makeGetEnvironment(deps)(alice, ws.id, project.id, 'production');
    expect(production.env).toEqual([]);
    expect(production.replicas).toBe(2);
    expect(
      await failure(patch(alice, 'production', { env: [{ name: 'API_KEY', secret: true }] })),
    ).toMatchObject({ code: 'project.secret_value_required', field: 'env.0.value' });
  });

  it('deletes the override secrets it wrote when the project write fails', async () => {
    const { deps, project, patch } = await setup();
    const before = [...deps.secrets.values.keys()];
    deps.projects.update = async () => {
      throw new Error('conflict');
    };
    await expect(
      patch(alice, 'staging', { env: [{ name: 'TOKEN', value: 'x', secret: true }] }, project.id),
    ).rejects.toThrow('conflict');
    expect([...deps.secrets.values.keys()]).toEqual(before);
  });

  it('lets only an owner change requiresApproval (403 for a member), other settings any member', async () => {
    const { patch } = await setup();
    expect(await failure(patch(bob, 'production', { requiresApproval: true }))).toMatchObject({
      kind: 'forbidden',
      code: 'environment.owner_required',
    });
    // Setting it to what it already is changes nothing, so a member may send it.
    expect(await patch(bob, 'production', { requiresApproval: false, trigger: 'manual' })).toMatchObject({
      trigger: 'manual',
      requiresApproval: false,
    });
    expect(await patch(alice, 'production', { requiresApproval: true })).toMatchObject({
      requiresApproval: true,
      trigger: 'manual',
    });
    expect(await failure(patch(carol, 'production', { replicas: 3 }))).toMatchObject({
      code: 'workspace.not_found',
    });
  });

  it('answers 404 environment.not_found for a name that is not an environment of the project', async () => {
    const { ws, project, get, patch } = await setup();
    for (const name of ['qa', 'Production', '']) {
      expect(await failure(get(alice, ws.id, project.id, name))).toEqual({
        kind: 'not_found',
        code: 'environment.not_found',
        field: undefined,
      });
    }
    expect(await failure(patch(alice, 'preview', {}))).toMatchObject({ code: 'environment.not_found' });
  });

  it('with a custom domain: the platform URL that keeps serving, and the CNAME to create with whether it resolves', async () => {
    const { deps, ws, project } = await setup();
    const lookups: string[] = [];
    const domains = {
      ingressHost: 'ingress.apps.test',
      resolve: async (host: string) => {
        lookups.push(host);
        if (host === 'ingress.apps.test' || host === 'shop.example.com') return [{ address: '203.0.113.9' }];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
    };
    const update = makeUpdateEnvironment({ ...deps, domains });
    // Pasted from the address bar: cleaned by the schema, not refused.
    const view = await update(
      alice,
      ws.id,
      project.id,
      'production',
      updateEnvironmentSchema.parse({ domain: 'https://Shop.Example.com/' }),
    );
    expect(view).toMatchObject({
      domain: 'shop.example.com',
      host: 'shop.example.com',
      liveUrl: 'https://shop.example.com',
      platformUrl: expect.stringMatching(/^https:\/\/web-shop-w.+\.apps\.test$/),
      domainCheck: {
        record: { type: 'CNAME', name: 'shop.example.com', value: 'ingress.apps.test' },
        resolves: true,
      },
    });
    expect(lookups.sort()).toEqual(['ingress.apps.test', 'shop.example.com']);

    const staging = await update(
      alice,
      ws.id,
      project.id,
      'staging',
      updateEnvironmentSchema.parse({ domain: 'qa.example.com' }),
    );
    expect(staging.domainCheck).toEqual({
      record: { type: 'CNAME', name: 'qa.example.com', value: 'ingress.apps.test' },
      resolves: false,
    });
    // Without a custom domain there is nothing to check, and the live URL is the platform's.
    const plain = await makeGetEnvironment({ ...deps, domains })(alice, ws.id, project.id, 'production');
    expect(plain.domainCheck?.record.name).toBe('shop.example.com');
    const cleared = await update(alice, ws.id, project.id, 'production', { domain: null });
    expect(cleared).not.toHaveProperty('domainCheck');
    expect(cleared).not.toHaveProperty('platformUrl');
    // Project lists do no DNS: the record only.
    lookups.length = 0;
    const list = await makeListProjects({ ...deps, domains })(alice, ws.id, { limit: 10 });
    expect(list.items[0]?.pipeline[0]?.domainCheck).toEqual({
      record: { type: 'CNAME', name: 'qa.example.com', value: 'ingress.apps.test' },
    });
    expect(lookups).toEqual([]);
  });

  it('claims a staging domain across workspaces, frees it on change, and production keeps the project domain', async () => {
    const { deps, ws, project, patch } = await setup();
    const rival = await makeCreateWorkspace(deps)(carol, { name: 'rival' });
    const theirs = await makeCreateProject(deps)(
      carol,
      rival.id,
      schemas.create.parse({
        name: 'store',
        type: 'monolith',
        repository: { url: 'https://github.com/acme/store.git' },
        port: 3000,
        domain: 'store.example.com',
      }),
    );
    const taken = () => failure(patch(alice, 'staging', { domain: 'store.example.com' }));
    expect(await taken()).toMatchObject({ code: 'project.host_taken', field: 'domain' });
    expect(deps.projects.items.get(project.id)?.revision).toBe(1);

    const staging = await patch(alice, 'staging', { domain: 'staging.web.example.com' });
    expect(staging).toMatchObject({ domain: 'staging.web.example.com', host: 'staging.web.example.com' });
    expect(await deps.projects.hostOwner('staging.web.example.com')).toMatchObject({
      projectId: project.id,
      environment: 'staging',
    });
    // Another workspace can't take it on production either.
    const update = makeUpdateEnvironment(deps);
    expect(
      await failure(
        update(
          carol,
          rival.id,
          theirs.id,
          'production',
          updateEnvironmentSchema.parse({ domain: 'staging.web.example.com' }),
        ),
      ),
    ).toMatchObject({ code: 'project.host_taken', field: 'domain' });

    await patch(alice, 'staging', { domain: 'qa.web.example.com' });
    await patch(alice, 'production', { domain: 'web.example.com' });
    expect(await failure(patch(alice, 'staging', { domain: 'web.example.com' }))).toMatchObject({
      code: 'project.host_taken',
      field: 'domain',
    });
    expect(await deps.projects.hostOwner('staging.web.example.com')).toBeUndefined();
    await patch(alice, 'production', { domain: 'web.example.com' });
    const view = await makeGetProject(deps)(alice, ws.id, project.id);
    expect(view).toMatchObject({ domain: 'web.example.com' });
    expect(view.pipeline.map((e) => e.host)).toEqual(['qa.web.example.com', 'web.example.com']);
    await patch(alice, 'staging', { domain: null });
    expect(await deps.projects.hostOwner('qa.web.example.com')).toBeUndefined();
    expect((await deps.projects.hostOwner('web.example.com'))?.environment).toBe('production');
  });

  it('refuses exposure settings on a database, naming the field', async () => {
    const { deps, ws } = await setup();
    const db = await makeCreateProject(deps)(
      alice,
      ws.id,
      schemas.create.parse({ name: 'db', type: 'database', engine: 'redis', version: '7', storage: '1Gi' }),
    );
    const update = makeUpdateEnvironment(deps);
    expect(
      await failure(update(alice, ws.id, db.id, 'staging', updateEnvironmentSchema.parse({ replicas: 2 }))),
    ).toMatchObject({ kind: 'invalid', field: 'replicas' });
    expect(
      await update(alice, ws.id, db.id, 'staging', updateEnvironmentSchema.parse({ trigger: 'push' })),
    ).toMatchObject({ trigger: 'push' });
  });

  it('sets and clears autoscaling; the stored settings never show as such', async () => {
    const { deps, ws, project, patch } = await setup();
    const on = await patch(alice, 'production', {
      autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 60 },
      tagPattern: 'release-*',
    });
    expect(on).toMatchObject({ autoscaling: { minReplicas: 2, maxReplicas: 6 }, tagPattern: 'release-*' });
    const off = await patch(alice, 'production', { autoscaling: null });
    expect(off).not.toHaveProperty('autoscaling');
    expect(off.tagPattern).toBe('release-*');
    const view = await makeGetProject(deps)(alice, ws.id, project.id);
    expect(view).not.toHaveProperty('environmentSettings');
  });
});
