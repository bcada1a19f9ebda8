import { describe, expect, it } from 'vitest';
import type { WorkloadStatus } from '../deploy-ports.ts';
import type { DomainError } from '../errors.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { FakeSync } from '../testing/in-memory-deploy.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject } from './projects.ts';
import { makeListServices, syncAppOf } from './services.ts';
import { makeCreateWorkspace } from './workspaces.ts';

const schemas = projectSchemas('local');

const setup = async () => {
  const deps = inMemoryDeps();
  const sync = new FakeSync();
  for (const who of [alice, bob]) await makeGetMe(deps)(who);
  const ws = await makeCreateWorkspace(deps)(alice, { name: 'shop' });
  const create = (body: unknown) => makeCreateProject(deps)(alice, ws.id, schemas.create.parse(body));
  const shop = await create({
    name: 'shop',
    type: 'microservices',
    repository: { url: 'https://github.com/acme/shop.git' },
    services: [
      { name: 'gateway', path: 'gateway', port: 8080, entry: true },
      { name: 'orders', path: 'services/orders', port: 8081 },
    ],
  });
  const list = makeListServices({ ...deps, sync });
  const workspace = await deps.workspaces.get(ws.id);
  const project = await deps.projects.get(ws.id, shop.id);
  if (!workspace || !project) throw new Error('setup');
  return {
    deps,
    sync,
    ws,
    shop,
    create,
    list,
    app: (env: 'staging' | 'production') => syncAppOf(project, workspace, env),
  };
};

const workload = (patch: Partial<WorkloadStatus>): WorkloadStatus => ({
  kind: 'Deployment',
  name: 'x',
  replicas: 2,
  readyReplicas: 2,
  restarts: 0,
  images: ['registry.local/shop@sha256:aaa'],
  health: 'Healthy',
  ...patch,
});

describe('service status', () => {
  it('lists each microservice with the workload that runs it, matched by component, and Missing for one not running', async () => {
    const { sync, ws, shop, list, app } = await setup();
    const staging = app('staging');
    expect(staging.namespace).toBe(`${ws.namespace}-staging`);
    sync.running.set(staging.name, [
      workload({
        name: 'renamed-deployment',
        component: 'gateway',
        readyReplicas: 1,
        restarts: 3,
        health: 'Progressing',
        images: ['registry.local/shop-gateway@sha256:abc'],
      }),
    ]);
    const services = await list(alice, ws.id, shop.id, 'staging');
    expect(services).toEqual([
      {
        name: 'gateway',
        entry: true,
        url: `http://shop-gateway.${ws.namespace}-staging.svc.cluster.local`,
        images: ['registry.local/shop-gateway@sha256:abc'],
        replicas: 2,
        readyReplicas: 1,
        restarts: 3,
        health: 'Progressing',
      },
      {
        name: 'orders',
        entry: false,
        url: `http://shop-orders.${ws.namespace}-staging.svc.cluster.local`,
        images: [],
        replicas: 0,
        readyReplicas: 0,
        restarts: 0,
        health: 'Missing',
      },
    ]);
  });

  it('matches a workload without a component label by the Deployment name the renderer gives it, per environment', async () => {
    const { sync, ws, shop, list, app } = await setup();
    sync.running.set(app('production').name, [workload({ name: 'shop-orders', health: 'Degraded' })]);
    const production = await list(alice, ws.id, shop.id, 'production');
    expect(production.map((s) => [s.name, s.health])).toEqual([
      ['gateway', 'Missing'],
      ['orders', 'Degraded'],
    ]);
    expect((await list(alice, ws.id, shop.id, 'staging')).map((s) => s.health)).toEqual([
      'Missing',
      'Missing',
    ]);
  });

  it("lists a database's one StatefulSet under its engine's address", async () => {
    const { deps, sync, ws, create } = await setup();
    const db = await create({
      name: 'orders-db',
      type: 'database',
      engine: 'postgres',
      version: '16',
      storage: '1Gi',
    });
    const workspace = await deps.workspaces.get(ws.id);
    const project = await deps.projects.get(ws.id, db.id);
    if (!workspace || !project) throw new Error('setup');
    sync.running.set(syncAppOf(project, workspace, 'production').name, [
      workload({ kind: 'StatefulSet', name: 'orders-db', replicas: 1, readyReplicas: 1 }),
    ]);
    const [service] = await makeListServices({ ...deps, sync })(alice, ws.id, db.id, 'production');
    expect(service).toMatchObject({
      name: 'orders-db',
      entry: false,
      url: `postgres://orders-db.${ws.namespace}.svc.cluster.local:5432`,
      readyReplicas: 1,
      health: 'Healthy',
    });
  });

  it('answers 404 to a non-member and for an environment the project does not have', async () => {
    const { ws, shop, list } = await setup();
    const failure = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: DomainError) => [e.kind, e.code],
      );
    expect(await failure(list(bob, ws.id, shop.id, 'staging'))).toEqual(['not_found', 'workspace.not_found']);
    expect(await failure(list(alice, ws.id, shop.id, 'qa'))).toEqual(['not_found', 'environment.not_found']);
    expect(await failure(list(alice, ws.id, 'p-missing', 'staging'))).toEqual([
      'not_found',
      'project.not_found',
    ]);
  });
});
