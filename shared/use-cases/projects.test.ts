import { describe, expect, it } from 'vitest';
import type { DomainError } from '../errors.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { FakeGitOps, InMemoryRuns } from '../testing/in-memory-deploy.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject, makeDeleteProject, makeGetProject, makeUpdateProject } from './projects.ts';
import { makeCreateWorkspace } from './workspaces.ts';

const schemas = projectSchemas('local');

const setup = async () => {
  const deps = inMemoryDeps();
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
  it('stores secret values in the secret store and never returns them', async () => {
    const { deps, ws, create } = await setup();
    const project = await create(alice, ws.id, monolith());
    expect(project.env).toEqual([
      { name: 'NODE_ENV', secret: false, value: 'production' },
      { name: 'API_KEY', secret: true, set: true },
    ]);
    expect(JSON.stringify(project)).not.toContain('s3cret');
    expect([...deps.secrets.values.values()]).toEqual(['s3cret']);
    expect(project.namespaces).toEqual({ production: ws.namespace });
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
    expect(gitops.commits[0]?.change.deletePaths).toEqual([`apps/${ws.id}/alice/web/production`]);
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
});
