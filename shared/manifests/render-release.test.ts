import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DatabaseProject, Project } from '../domain.ts';
import { isDnsLabel, workspaceNamespace } from '../naming.ts';
import { appName, gitopsPath, RENDERED_KINDS, renderRelease } from './index.ts';
import {
  database,
  digest,
  microservices,
  monolith,
  parseManifests,
  platform,
  releaseInput,
  validateObject,
  workspace,
} from './testing/fixtures.ts';

const namespace = workspaceNamespace(workspace, 'production');
const render = (project: Project) => renderRelease(releaseInput(project));
const objectsOf = (project: Project) => {
  const rendered = render(project);
  const file = rendered.files.find((f) => f.path.endsWith('/manifests.yaml'));
  if (!file) throw new Error('no manifests.yaml');
  return parseManifests(file.content);
};
const find = (objects: any[], kind: string, name?: string) => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
};
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe.each([
  ['monolith', monolith],
  ['database', database],
  ['microservices', microservices],
] as const)('renderRelease: %s', (_type, project) => {
  it('writes release.json, values.yaml and manifests.yaml in the app folder', () => {
    const rendered = render(project);
    const path = gitopsPath({
      workspaceId: workspace.id,
      userId: project.createdBy,
      projectName: project.name,
      environment: 'production',
    });
    expect(rendered.path).toBe(path);
    expect(rendered.files.map((f) => f.path)).toEqual([
      `${path}/release.json`,
      `${path}/values.yaml`,
      `${path}/manifests.yaml`,
    ]);
    expect(rendered.appName).toBe(
      appName({ workspaceId: workspace.id, projectName: project.name, environment: 'production' }),
    );
    expect(rendered.namespace).toBe(namespace);
  });

  it('renders only objects that kubernetes-models (or the ExternalSecret check) accept', () => {
    const objects = objectsOf(project);
    expect(objects.length).toBeGreaterThan(1);
    for (const object of objects) expect(() => validateObject(object), object.kind).not.toThrow();
  });

  it('labels every object and pod, in the workspace namespace, with names Kubernetes accepts', () => {
    const rendered = render(project);
    for (const object of objectsOf(project)) {
      expect(object.metadata.namespace).toBe(namespace);
      expect(isDnsLabel(object.metadata.name), object.metadata.name).toBe(true);
      const labelSets = [object.metadata.labels, object.spec.template?.metadata?.labels].filter(Boolean);
      for (const labels of labelSets) {
        expect(labels).toMatchObject({
          'app.kubernetes.io/name': project.name,
          'app.kubernetes.io/instance': rendered.appName,
          'app.kubernetes.io/part-of': 'wharf',
          'app.kubernetes.io/managed-by': 'wharf',
          'wharf.dev/workspace': workspace.id,
          'wharf.dev/project': project.id,
          'wharf.dev/release': 'r0release0001',
        });
        for (const value of Object.values(labels) as string[]) {
          expect(value.length).toBeLessThanOrEqual(63);
          expect(value).toMatch(LABEL_VALUE);
        }
      }
      // Selectors are immutable: they must not carry anything that changes between releases.
      const selector =
        object.spec.selector?.matchLabels ?? (object.kind === 'Service' ? object.spec.selector : {});
      expect(Object.keys(selector ?? {})).not.toContain('wharf.dev/release');
    }
  });

  it('only renders kinds the workspace AppProject allows', () => {
    const allowed = new Set(RENDERED_KINDS.map((k) => k.kind));
    for (const object of objectsOf(project)) expect(allowed.has(object.kind), object.kind).toBe(true);
  });

  it('is deterministic: the same release gives byte-identical files', () => {
    const again = renderRelease(structuredClone(releaseInput(project)));
    expect(again.files).toEqual(render(project).files);
    // Key order of the input does not matter either.
    const shuffled = Object.fromEntries(Object.entries(project).reverse()) as Project;
    expect(renderRelease({ ...releaseInput(project), project: shuffled }).files).toEqual(
      render(project).files,
    );
  });

  it('writes release.json with a stable key order and no key the files generator would overwrite', () => {
    const rendered = render(project);
    const json = rendered.files[0]?.content ?? '';
    expect(json.endsWith('\n')).toBe(true);
    const identity = JSON.parse(json);
    expect(Object.keys(identity)).toEqual([
      'appName',
      'namespace',
      'project',
      'appPath',
      'workspaceId',
      'projectId',
      'projectName',
      'environment',
      'releaseId',
      'releaseNumber',
      'runId',
    ]);
    expect(identity).toMatchObject({
      appName: rendered.appName,
      namespace,
      project: `wharf-${workspace.id}`,
      appPath: rendered.path,
      releaseNumber: 3,
    });
  });

  it('lists env var names in values.yaml, never values', () => {
    const rendered = render(project);
    const values = parse(rendered.values, { version: '1.1' });
    expect(values).toMatchObject({ app: rendered.appName, type: project.type, namespace });
    const names = [...(values.env ?? []), ...(values.secretEnv ?? [])];
    for (const v of project.env) {
      expect(names).toContain(v.name);
      // Values long enough to be told apart from the rest of the file.
      if (!v.secret && v.value.length > 5) expect(rendered.values).not.toContain(v.value);
    }
  });

  it('never writes a secret value, even one left on the project by mistake', () => {
    const leaky = {
      ...project,
      env: [
        ...project.env,
        { name: 'LEAKED', secret: true, secretRef: 'wharf/ref/LEAKED', value: 'hunter2-s3cr3t' },
      ],
    } as Project;
    const rendered = renderRelease({ ...releaseInput(project), project: leaky });
    for (const file of rendered.files) expect(file.content).not.toContain('hunter2-s3cr3t');
    const objects = parseManifests(rendered.files[2]?.content ?? '');
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    const containers = objects.flatMap((o) => o.spec.template?.spec.containers ?? []);
    for (const c of containers) {
      const leaked = c.env.find((e: any) => e.name === 'LEAKED');
      expect(leaked).toEqual({
        name: 'LEAKED',
        valueFrom: { secretKeyRef: { name: `${project.name}-env`, key: 'LEAKED' } },
      });
    }
  });
});

describe('renderRelease: monolith', () => {
  const objects = objectsOf(monolith);
  const deployment = find(objects, 'Deployment', 'storefront');
  const container = deployment.spec.template.spec.containers[0];

  it('rolls out without downtime, with probes, resources and no root', () => {
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe(`registry.example.com/wharf/storefront:r0release0001@${digest}`);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(container.securityContext.runAsNonRoot).toBe(true);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('passes plain env inline and secret env from the ExternalSecret', () => {
    expect(container.env).toEqual([
      { name: 'NODE_ENV', value: 'node-env-value' },
      { name: 'FEATURE_FLAG', value: 'on' },
      { name: 'UMASK', value: '0755' },
      { name: 'STRIPE_KEY', valueFrom: { secretKeyRef: { name: 'storefront-env', key: 'STRIPE_KEY' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'storefront-env', key: 'DB_PASSWORD' } } },
    ]);
    const secret = find(objects, 'ExternalSecret', 'storefront-env');
    expect(secret.apiVersion).toBe('external-secrets.io/v1');
    expect(secret.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'wharf-secrets' },
      target: { name: 'storefront-env', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'STRIPE_KEY', remoteRef: { key: 'wharf/w0abc123def45/p0mono0000001/STRIPE_KEY/tok1' } },
        {
          secretKey: 'DB_PASSWORD',
          remoteRef: { key: 'wharf/w0abc123def45/p0mono0000001/DB_PASSWORD/tok2' },
        },
      ],
    });
  });

  it('keeps YAML 1.1 look-alikes ("on", "0755") strings for Kubernetes', () => {
    const text = render(monolith).files[2]?.content ?? '';
    expect(text).toContain('value: "on"');
    expect(text).toContain('value: "0755"');
  });

  it('exposes the app through a Service, a TLS Ingress and scales it on CPU', () => {
    const service = find(objects, 'Service', 'storefront');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const ingress = find(objects, 'Ingress', 'storefront');
    const host = 'storefront-payments-w0abc123def45.apps.example.com';
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: 'storefront-tls' }]);
    expect(ingress.spec.rules[0].host).toBe(host);
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('storefront');
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'storefront');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'storefront' },
      minReplicas: 2,
      maxReplicas: 6,
    });
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
    const rendered = render(monolith);
    expect(rendered.host).toBe(host);
    expect(rendered.liveUrl).toBe(`https://${host}`);
  });

  it('scales to at least 3 and asks the platform for the live URL', () => {
    const input = releaseInput({ ...monolith, replicas: 1 });
    const rendered = renderRelease({
      ...input,
      platform: { ...platform, liveUrl: (h) => `http://${h}:8080` },
    });
    const hpa = find(parseManifests(rendered.files[2]?.content ?? ''), 'HorizontalPodAutoscaler');
    expect(hpa.spec.maxReplicas).toBe(3);
    expect(rendered.liveUrl).toBe('http://storefront-payments-w0abc123def45.apps.example.com:8080');
  });

  it('renders no ExternalSecret when the project has no secret env', () => {
    const plain = objectsOf({ ...monolith, env: [{ name: 'A', secret: false, value: 'b' }] });
    expect(plain.some((o) => o.kind === 'ExternalSecret')).toBe(false);
  });

  it('keeps every derived name within 63 characters for the longest names allowed', () => {
    const long = { ...monolith, name: `s${'x'.repeat(39)}` };
    const rendered = renderRelease({
      ...releaseInput(long),
      workspace: { ...workspace, name: 'n'.repeat(30) },
    });
    expect(rendered.appName.length).toBeLessThanOrEqual(63);
    expect(rendered.namespace.length).toBeLessThanOrEqual(63);
    for (const o of parseManifests(rendered.files[2]?.content ?? '')) {
      expect(isDnsLabel(o.metadata.name)).toBe(true);
      for (const v of Object.values(o.metadata.labels) as string[]) expect(v.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('renderRelease: database', () => {
  it('runs the engine in a StatefulSet with its volume, a headless Service and the password by reference', () => {
    const objects = objectsOf(database);
    const rendered = render(database);
    expect(rendered.host).toBeUndefined();
    expect(rendered.liveUrl).toBeUndefined();
    const set = find(objects, 'StatefulSet', 'orders-db');
    const container = set.spec.template.spec.containers[0];
    expect(container.image).toBe('postgres:16');
    expect(container.ports[0].containerPort).toBe(5432);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql' });
    expect(set.spec.serviceName).toBe('orders-db');
    expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(set.spec.volumeClaimTemplates[0].metadata.labels['wharf.dev/release']).toBeUndefined();
    expect(container.env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'orders-db-credentials', key: 'password' } },
    });
    expect(container.env).toContainEqual({ name: 'PGTZ', value: 'Europe/Berlin' });
    expect(set.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 999 });
    const service = find(objects, 'Service', 'orders-db');
    expect(service.spec.clusterIP).toBe('None');
    const credentials = find(objects, 'ExternalSecret', 'orders-db-credentials');
    expect(credentials.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'wharf-secrets' });
    expect(credentials.spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'wharf/w0abc123def45/p0data0000001/database-password' } },
    ]);
  });

  it.each([
    ['postgres', '17', 'postgres:17', 5432, '/var/lib/postgresql', 'POSTGRES_PASSWORD'],
    ['mysql', '8.4', 'mysql:8.4', 3306, '/var/lib/mysql', 'MYSQL_ROOT_PASSWORD'],
    ['redis', '7.4', 'redis:7.4', 6379, '/data', 'REDIS_PASSWORD'],
    ['mongodb', '8.0', 'mongo:8.0', 27017, '/data/db', 'MONGO_INITDB_ROOT_PASSWORD'],
  ] as const)(
    '%s: image, port, data path and password variable',
    (engine, version, image, port, path, passwordEnv) => {
      const project: DatabaseProject = { ...database, engine, version, env: [] };
      const objects = objectsOf(project);
      for (const object of objects) validateObject(object);
      const container = find(objects, 'StatefulSet').spec.template.spec.containers[0];
      expect(container.image).toBe(image);
      expect(container.ports[0].containerPort).toBe(port);
      expect(find(objects, 'Service').spec.ports[0].port).toBe(port);
      expect(container.volumeMounts[0]).toEqual({ name: 'data', mountPath: path });
      const password = container.env.find((e: any) => e.name === passwordEnv);
      expect(password.valueFrom.secretKeyRef).toEqual({ name: 'orders-db-credentials', key: 'password' });
      expect(password.value).toBeUndefined();
    },
  );

  it('pins the engine image only when the workflow resolved that very image', () => {
    const pinned = renderRelease({ ...releaseInput(database), image: { reference: 'postgres:16', digest } });
    expect(pinned.images['orders-db']).toBe(`postgres:16@${digest}`);
    expect(render(database).images['orders-db']).toBe('postgres:16');
  });

  it('does not let a project variable replace the engine password', () => {
    const project: DatabaseProject = {
      ...database,
      env: [{ name: 'POSTGRES_PASSWORD', secret: false, value: 'plain-text-password' }],
    };
    const rendered = render(project);
    expect(rendered.files[2]?.content).not.toContain('plain-text-password');
  });
});

describe('renderRelease: microservices', () => {
  const objects = objectsOf(microservices);

  it('runs a Deployment and a Service per service, each with its own image', () => {
    for (const service of microservices.services) {
      const deployment = find(objects, 'Deployment', `shop-${service.name}`);
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports[0].containerPort).toBe(service.port);
      expect(deployment.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(service.name);
      expect(find(objects, 'Service', `shop-${service.name}`).spec.selector).toEqual(
        deployment.spec.selector.matchLabels,
      );
      expect(container.env).toContainEqual({
        name: 'JWT_SECRET',
        valueFrom: { secretKeyRef: { name: 'shop-env', key: 'JWT_SECRET' } },
      });
    }
    const image = (name: string) => find(objects, 'Deployment', name).spec.template.spec.containers[0].image;
    expect(image('shop-gateway')).toBe(`registry.example.com/wharf/shop-gateway:r1@sha256:${'b'.repeat(64)}`);
    expect(image('shop-catalog')).toBe(`registry.example.com/wharf/shop-catalog:r1@sha256:${'c'.repeat(64)}`);
    // No image of its own: the build's main image.
    expect(image('shop-billing')).toBe(`registry.example.com/wharf/shop:r0release0001@${digest}`);
  });

  it('routes / to the entry service on the custom domain', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses).toHaveLength(1);
    const rule = ingresses[0].spec.rules[0];
    expect(rule.host).toBe('shop.acme.io');
    expect(rule.http.paths).toEqual([
      {
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: 'shop-gateway', port: { name: 'http' } } },
      },
    ]);
    expect(render(microservices).liveUrl).toBe('https://shop.acme.io');
  });

  it('describes every service in values.yaml', () => {
    const values = parse(render(microservices).values);
    expect(values.entry).toBe('gateway');
    expect(values.services.map((s: any) => s.name)).toEqual(['gateway', 'catalog', 'billing']);
    expect(values.services[0].image).toEqual({
      repository: 'registry.example.com/wharf/shop-gateway',
      tag: 'r1',
      digest: `sha256:${'b'.repeat(64)}`,
    });
  });
});

describe('renderRelease: input checks', () => {
  it('refuses a project from another workspace', () => {
    expect(() =>
      renderRelease({ ...releaseInput(monolith), workspace: { id: 'w-other', name: 'x' } }),
    ).toThrow(/not in workspace/);
  });

  it('refuses an image digest that is not one', () => {
    expect(() =>
      renderRelease({ ...releaseInput(monolith), image: { reference: 'r/app:1', digest: 'latest; rm -rf' } }),
    ).toThrow(/not a digest/);
  });
});

describe('renderRelease: each environment from its own settings', () => {
  const twoEnvironments: Project = {
    ...monolith,
    environments: ['staging', 'production'],
    domain: 'shop.acme.io',
    environmentSettings: {
      staging: {
        env: [
          { name: 'NODE_ENV', secret: false, value: 'staging' },
          {
            name: 'STRIPE_KEY',
            secret: true,
            secretRef: 'wharf/w0abc123def45/p0mono0000001/staging/STRIPE_KEY/t9',
          },
          { name: 'BROADCASTER', secret: false, value: 'log' },
        ],
        replicas: 1,
      },
      production: { autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuPercent: 60 } },
    },
  };
  const renderIn = (environment: 'staging' | 'production', project: Project = twoEnvironments) => {
    const rendered = renderRelease({ ...releaseInput(project), environment });
    return { rendered, objects: parseManifests(rendered.files[2]?.content ?? '') };
  };

  it('renders staging and production of one project with their own variables, hosts and namespaces', () => {
    const staging = renderIn('staging');
    const production = renderIn('production');
    const envOf = (objects: any[]) =>
      Object.fromEntries(
        find(objects, 'Deployment').spec.template.spec.containers[0].env.map((v: any) => [
          v.name,
          v.value ?? v.valueFrom.secretKeyRef.key,
        ]),
      );
    expect(envOf(staging.objects)).toEqual({
      NODE_ENV: 'staging',
      FEATURE_FLAG: 'on',
      UMASK: '0755',
      STRIPE_KEY: 'STRIPE_KEY',
      DB_PASSWORD: 'DB_PASSWORD',
      BROADCASTER: 'log',
    });
    expect(envOf(production.objects)).toMatchObject({ NODE_ENV: 'node-env-value' });
    expect(envOf(production.objects)).not.toHaveProperty('BROADCASTER');
    // Secrets stay references: staging's override points at its own secret, production at the project's.
    const remoteKeys = (objects: any[]) =>
      find(objects, 'ExternalSecret').spec.data.map((d: any) => d.remoteRef.key);
    expect(remoteKeys(staging.objects)).toContain('wharf/w0abc123def45/p0mono0000001/staging/STRIPE_KEY/t9');
    expect(remoteKeys(production.objects)).toContain('wharf/w0abc123def45/p0mono0000001/STRIPE_KEY/tok1');
    expect(staging.rendered.envNames).toEqual([
      'NODE_ENV',
      'FEATURE_FLAG',
      'UMASK',
      'STRIPE_KEY',
      'DB_PASSWORD',
      'BROADCASTER',
    ]);

    expect(find(staging.objects, 'Ingress').spec.rules[0].host).toBe(
      'storefront-payments-staging-w0abc123def45.apps.example.com',
    );
    expect(find(production.objects, 'Ingress').spec.rules[0].host).toBe('shop.acme.io');
    expect(staging.rendered.namespace).toBe(workspaceNamespace(workspace, 'staging'));
    expect(production.rendered.namespace).toBe(namespace);
    expect(staging.objects.every((o) => o.metadata.namespace === staging.rendered.namespace)).toBe(true);
    expect(staging.rendered.path).toMatch(/\/staging$/);
    expect(production.rendered.path).toMatch(/\/production$/);
  });

  it('serves a staging custom domain in its Ingress', () => {
    const project: Project = {
      ...twoEnvironments,
      environmentSettings: { staging: { domain: 'staging.shop.acme.io' } },
    };
    const { rendered, objects } = renderIn('staging', project);
    expect(find(objects, 'Ingress').spec.rules[0].host).toBe('staging.shop.acme.io');
    expect(rendered.host).toBe('staging.shop.acme.io');
  });

  it('fixes the replicas per environment, and with autoscaling leaves the count to the HPA', () => {
    const staging = renderIn('staging');
    expect(find(staging.objects, 'Deployment').spec.replicas).toBe(1);
    expect(find(staging.objects, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 1,
      maxReplicas: 3,
    });

    const production = renderIn('production');
    expect(find(production.objects, 'Deployment').spec).not.toHaveProperty('replicas');
    const hpa = find(production.objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa.spec.metrics[0].resource.target).toEqual({ type: 'Utilization', averageUtilization: 60 });
    expect(parse(production.rendered.values)).toMatchObject({
      autoscaling: { minReplicas: 3, maxReplicas: 10, targetCPUUtilizationPercentage: 60 },
    });
    expect(parse(production.rendered.values)).not.toHaveProperty('replicas');
  });

  it('scales each microservice by its environment: replicas, or an HPA per service', () => {
    const project: Project = {
      ...microservices,
      environmentSettings: {
        staging: { replicas: 2 },
        production: { autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuPercent: 75 } },
      },
    };
    const staging = renderIn('staging', project).objects;
    const stagingDeployments = staging.filter((o) => o.kind === 'Deployment');
    expect(stagingDeployments.length).toBeGreaterThan(1);
    expect(stagingDeployments.every((d) => d.spec.replicas === 2)).toBe(true);
    expect(staging.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const production = renderIn('production', project).objects;
    const deployments = production.filter((o) => o.kind === 'Deployment');
    expect(deployments.every((d) => d.spec.replicas === undefined)).toBe(true);
    expect(
      production.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name),
    ).toEqual(deployments.map((d) => d.metadata.name));
    for (const o of production) expect(() => validateObject(o)).not.toThrow();
  });

  it("renders production of a new project (staging first, no settings) exactly as a production-only project's", () => {
    const legacy: Project = { ...monolith, environments: ['production'] };
    expect(legacy).not.toHaveProperty('environmentSettings');
    const piped: Project = { ...monolith, environments: ['staging', 'production'], environmentSettings: {} };
    expect(renderRelease(releaseInput(piped)).files).toEqual(renderRelease(releaseInput(legacy)).files);
  });
});
