import { describe, expect, it } from 'vitest';
import { renderRelease } from '../../../shared/manifests/render-release.ts';
import {
  database,
  microservices,
  monolith,
  releaseInput,
} from '../../../shared/manifests/testing/fixtures.ts';
import { checkManifests } from './manifest-check.ts';
import { readAppObjects } from './podman/plan.ts';
import { type PodContext, playUnit } from './podman/pods.ts';

/** The rendered folder's objects, as the reconciler has them after the check. */
function objectsOf(project: Parameters<typeof releaseInput>[0], extra = '') {
  const release = renderRelease(releaseInput(project));
  const manifests = release.files.find((f) => f.path.endsWith('manifests.yaml'))?.content ?? '';
  const checked = checkManifests(`${manifests}${extra}`, release.namespace);
  if (!checked.ok) throw new Error(checked.message);
  return { release, objects: checked.objects };
}

const context = (overrides: Partial<PodContext> = {}): PodContext => ({
  stack: 'wfabc123',
  app: 'app',
  namespace: 'ns',
  commit: 'c'.repeat(40),
  generation: '0a0b0c',
  spec: 'spec',
  images: new Map(),
  secretNames: new Map(),
  configMaps: [],
  volumeName: (claim) => `wfabc123-vol-${claim}`,
  ...overrides,
});

describe('readAppObjects', () => {
  it('runs a monolith with its fixed replicas, routes its host, and says the autoscaler is not run', () => {
    const { release, objects } = objectsOf(monolith);
    const read = readAppObjects(objects);
    expect(read.workloads.map((w) => [w.name, w.replicas, w.services])).toEqual([
      ['storefront', 2, ['storefront']],
    ]);
    expect(read.routes).toEqual([{ host: release.host, workload: 'storefront', containerPort: 8080 }]);
    expect(read.secrets.map((s) => s.name)).toEqual(['storefront-env']);
    expect(read.notes).toContain(
      'HorizontalPodAutoscaler storefront: not run locally (podman has no autoscaler); replicas fixed at 2',
    );
  });

  it('reports every kind podman has no equivalent for, one line per object', () => {
    const extra = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all }
spec: { podSelector: {} }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: storefront }
spec: { minAvailable: 1 }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: storefront }
spec: {}
`;
    const { notes } = readAppObjects(objectsOf(monolith, extra).objects);
    expect(notes).toEqual(
      expect.arrayContaining([
        'NetworkPolicy deny-all: not enforced locally (podman networks do not filter traffic between pods)',
        'PodDisruptionBudget storefront: not applied locally (there are no node drains here)',
        'ServiceMonitor storefront: not run locally (podman has no equivalent)',
      ]),
    );
  });

  it('reads a database StatefulSet as a workload with a claim, and microservices as one workload per Service', () => {
    const db = readAppObjects(objectsOf(database).objects);
    expect(db.workloads).toMatchObject([
      { kind: 'StatefulSet', name: 'orders-db', replicas: 1, claims: ['data'] },
    ]);
    const shop = readAppObjects(objectsOf(microservices).objects);
    expect(shop.workloads.map((w) => [w.name, w.services])).toEqual([
      ['shop-gateway', ['shop-gateway']],
      ['shop-catalog', ['shop-catalog']],
      ['shop-billing', ['shop-billing']],
    ]);
    // The platform host keeps serving next to the custom domain: both route to the entry service.
    expect(shop.routes).toEqual([
      { host: 'shop-payments-w0abc123def45.apps.example.com', workload: 'shop-gateway', containerPort: 8080 },
      { host: 'shop.acme.io', workload: 'shop-gateway', containerPort: 8080 },
    ]);
  });
});

describe('playUnit', () => {
  it('publishes each container port on 127.0.0.1, leaves probes to the reconciler, and names secrets and volumes for podman', async () => {
    const { objects } = objectsOf(database);
    const [workload] = readAppObjects(objects).workloads;
    let next = 40_000;
    const unit = await playUnit(
      workload as NonNullable<typeof workload>,
      0,
      context({
        secretNames: new Map([['orders-db-credentials', 'wfabc123-0a0b0c-orders-db-credentials']]),
        images: new Map([['postgres:16', 'localhost/wharf/postgres:16']]),
      }),
      async () => next++,
    );
    expect(unit.pod).toBe('wfabc123-0a0b0c-orders-db-0-pod-0');
    expect(unit.hostPorts).toEqual(new Map([[5432, 40_000]]));
    expect(unit.volumes).toEqual([{ name: 'wfabc123-vol-data-orders-db-0', uid: 999, gid: 999 }]);
    expect(unit.aliases).toEqual(
      expect.arrayContaining(['orders-db', 'orders-db.ns.svc.cluster.local', 'orders-db-0.orders-db']),
    );
    expect(unit.containers).toEqual([
      {
        name: 'database',
        podmanName: 'wfabc123-0a0b0c-orders-db-0-pod-0-database',
        readiness: { type: 'exec', command: expect.arrayContaining(['pg_isready']), timeoutMs: 3_000 },
      },
    ]);
    expect(unit.yaml).toContain('image: localhost/wharf/postgres:16');
    expect(unit.yaml).toContain('name: wfabc123-0a0b0c-orders-db-credentials');
    expect(unit.yaml).toContain('claimName: wfabc123-vol-data-orders-db-0');
    // The emptyDir gets the pod's name: podman 4.3.1 would otherwise share one "shm" volume between pods.
    expect(unit.yaml).toContain('name: wfabc123-0a0b0c-orders-db-0-pod-0-v0');
    expect(unit.yaml).toMatch(/hostIP: 127\.0\.0\.1/);
    expect(unit.yaml).not.toMatch(/readinessProbe|livenessProbe/);
  });
});
