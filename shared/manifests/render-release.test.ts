import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DatabaseProject, Project } from '../domain.ts';
import { isDnsLabel, workspaceNamespace } from '../naming.ts';
import { appName, gitopsPath, RENDERED_KINDS, renderRelease } from './index.ts';
import {
  database,
  databaseWithCredentials,
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

  it('routes / to the entry service on the custom domain and keeps the platform host', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses).toHaveLength(1);
    const rules = ingresses[0].spec.rules;
    expect(rules.map((r: any) => r.host)).toEqual([
      expect.stringMatching(/^shop-.*\.apps\.example\.com$/),
      'shop.acme.io',
    ]);
    for (const rule of rules) {
      expect(rule.http.paths).toEqual([
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name: 'shop-gateway', port: { name: 'http' } } },
        },
      ]);
    }
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
    expect(find(production.objects, 'Ingress').spec.rules.map((r: any) => r.host)).toEqual([
      'storefront-payments-w0abc123def45.apps.example.com',
      'shop.acme.io',
    ]);
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
    const platformHost = 'storefront-payments-staging-w0abc123def45.apps.example.com';
    expect(find(objects, 'Ingress').spec.rules.map((r: any) => r.host)).toEqual([
      platformHost,
      'staging.shop.acme.io',
    ]);
    expect(rendered.host).toBe('staging.shop.acme.io');
  });

  it('keeps the platform host serving with its own certificate when a custom domain is added', () => {
    const without = find(
      renderIn('production', { ...twoEnvironments, domain: undefined }).objects,
      'Ingress',
    );
    const withDomain = find(renderIn('production').objects, 'Ingress');
    // The platform host's rule and TLS entry are unchanged (same Secret: no re-issue, no gap) …
    expect(withDomain.spec.rules[0]).toEqual(without.spec.rules[0]);
    expect(withDomain.spec.tls[0]).toEqual(without.spec.tls[0]);
    // … and the domain gets a Certificate of its own, so a pending DNS change can't fail the platform's.
    expect(withDomain.spec.tls[1]).toEqual({ hosts: ['shop.acme.io'], secretName: 'storefront-domain-tls' });
    expect(withDomain.spec.rules[1]).toMatchObject({
      host: 'shop.acme.io',
      http: without.spec.rules[0].http,
    });
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

describe('renderRelease: database credentials per environment', () => {
  const renderDb = (project: DatabaseProject, environment: 'staging' | 'production' = 'production') => {
    const rendered = renderRelease({ ...releaseInput(project), environment });
    return { rendered, objects: parseManifests(rendered.files[2]?.content ?? '') };
  };
  const containerOf = (objects: any[]) => find(objects, 'StatefulSet').spec.template.spec.containers[0];
  const password = { valueFrom: { secretKeyRef: { name: 'orders-db-credentials', key: 'password' } } };

  it("points each environment's credentials ExternalSecret at that environment's password", () => {
    for (const environment of ['staging', 'production'] as const) {
      const { objects } = renderDb(databaseWithCredentials, environment);
      expect(find(objects, 'ExternalSecret', 'orders-db-credentials').spec.data).toEqual([
        {
          secretKey: 'password',
          remoteRef: { key: `wharf/w0abc123def45/p0data0000001/${environment}/database-password` },
        },
      ]);
    }
  });

  it('falls back to the one legacy password and the default superuser for a database from before', () => {
    const { objects, rendered } = renderDb(database);
    expect(find(objects, 'ExternalSecret', 'orders-db-credentials').spec.data[0].remoteRef.key).toBe(
      'wharf/w0abc123def45/p0data0000001/database-password',
    );
    const container = containerOf(objects);
    expect(container.env).toContainEqual({ name: 'POSTGRES_USER', value: 'postgres' });
    expect(container.env).toContainEqual({ name: 'POSTGRES_DB', value: 'postgres' });
    expect(find(objects, 'StatefulSet').spec.template.metadata.annotations).toEqual({
      'wharf.dev/credentials-version': '0',
    });
    expect(parse(rendered.values).credentials).toEqual({
      version: 0,
      passwordSecret: 'wharf/w0abc123def45/p0data0000001/database-password',
    });
  });

  it.each([
    [
      'postgres',
      [
        { name: 'POSTGRES_USER', value: 'orders_db' },
        { name: 'POSTGRES_DB', value: 'orders_db' },
        { name: 'POSTGRES_PASSWORD', ...password },
      ],
      ['pg_isready', '-U', 'orders_db', '-d', 'orders_db', '-h', '127.0.0.1', '-p', '5432'],
    ],
    [
      'mysql',
      [
        { name: 'MYSQL_USER', value: 'orders_db' },
        { name: 'MYSQL_PASSWORD', ...password },
        { name: 'MYSQL_DATABASE', value: 'orders_db' },
        { name: 'MYSQL_ROOT_PASSWORD', ...password },
      ],
      ['mysqladmin', 'ping', '-h', '127.0.0.1', '-u', 'orders_db'],
    ],
    ['redis', [{ name: 'REDIS_PASSWORD', ...password }], undefined],
    [
      'mongodb',
      [
        { name: 'MONGO_INITDB_ROOT_USERNAME', value: 'orders_db' },
        { name: 'MONGO_INITDB_DATABASE', value: 'orders_db' },
        { name: 'MONGO_INITDB_ROOT_PASSWORD', ...password },
      ],
      undefined,
    ],
  ] as const)('%s: the engine makes its user and database, probed as that user', (engine, env, probe) => {
    const { objects } = renderDb({ ...databaseWithCredentials, engine, env: [] });
    const container = containerOf(objects);
    expect(container.env).toEqual(env);
    if (probe) expect(container.readinessProbe.exec.command).toEqual(probe);
    if (engine === 'redis') {
      expect(container.args.slice(0, 2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
      expect(container.readinessProbe.exec.command.join(' ')).toContain('REDISCLI_AUTH="$REDIS_PASSWORD"');
    }
  });

  it('gives a legacy mysql database only the root password (the image refuses MYSQL_USER=root)', () => {
    const container = containerOf(
      renderDb({ ...database, engine: 'mysql', version: '8.4', env: [] }).objects,
    );
    expect(container.env.map((v: any) => v.name)).toEqual(['MYSQL_DATABASE', 'MYSQL_ROOT_PASSWORD']);
  });

  it("rolls the StatefulSet when the credentials' version changes", () => {
    const before = find(renderDb(databaseWithCredentials).objects, 'StatefulSet');
    expect(before.spec.template.metadata.annotations).toEqual({ 'wharf.dev/credentials-version': '3' });
    const rotated: DatabaseProject = {
      ...databaseWithCredentials,
      credentials: {
        ...databaseWithCredentials.credentials,
        production: { ...(databaseWithCredentials.credentials?.production as any), version: 4 },
      },
    };
    const after = find(renderDb(rotated).objects, 'StatefulSet');
    expect(after.spec.template.metadata.annotations).toEqual({ 'wharf.dev/credentials-version': '4' });
  });

  it('gives postgres a postStart hook that sets the current password (the image only sets it on a new folder)', () => {
    const postgres = containerOf(renderDb(databaseWithCredentials).objects);
    const hook = postgres.lifecycle.postStart.exec.command.join(' ');
    expect(hook).toContain(`ALTER ROLE CURRENT_USER PASSWORD :'pw'`);
    expect(hook).toContain('-v pw="$POSTGRES_PASSWORD"');
    expect(hook).toMatch(/\|\| true$/);
    const redis = containerOf(
      renderDb({ ...databaseWithCredentials, engine: 'redis', version: '7' }).objects,
    );
    expect(redis.lifecycle).toBeUndefined();
  });

  it('shows user, database, address and secret refs in values.yaml', () => {
    const { rendered } = renderDb(databaseWithCredentials);
    expect(parse(rendered.values)).toMatchObject({
      user: 'orders_db',
      database: 'orders_db',
      address: `orders-db.${namespace}.svc.cluster.local:5432`,
      credentials: {
        version: 3,
        passwordSecret: 'wharf/w0abc123def45/p0data0000001/production/database-password',
        urlSecret: 'wharf/w0abc123def45/p0data0000001/production/database-url',
      },
    });
  });
});

describe('renderRelease: database bindings', () => {
  const bound = (
    project: Project,
    environment: 'staging' | 'production' = 'production',
    db = databaseWithCredentials,
  ) => {
    const rendered = renderRelease({
      ...releaseInput(project),
      environment,
      databases: [{ binding: { projectId: db.id, env: 'DATABASE_URL' }, project: db }],
    });
    return { rendered, objects: parseManifests(rendered.files[2]?.content ?? '') };
  };

  it("gives the app DATABASE_URL from the database's URL secret of the same environment", () => {
    for (const environment of ['staging', 'production'] as const) {
      const { objects, rendered } = bound(
        { ...monolith, environments: ['staging', 'production'] },
        environment,
      );
      const secret = find(objects, 'ExternalSecret', 'storefront-databases');
      expect(secret.spec.data).toEqual([
        {
          secretKey: 'DATABASE_URL',
          remoteRef: { key: `wharf/w0abc123def45/p0data0000001/${environment}/database-url` },
        },
      ]);
      expect(() => validateObject(secret)).not.toThrow();
      const env = find(objects, 'Deployment').spec.template.spec.containers[0].env;
      expect(env).toContainEqual({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'storefront-databases', key: 'DATABASE_URL' } },
      });
      expect(rendered.envNames).toContain('DATABASE_URL');
      expect(parse(rendered.values).databases).toEqual([
        {
          env: 'DATABASE_URL',
          database: 'orders-db',
          secret: `wharf/w0abc123def45/p0data0000001/${environment}/database-url`,
        },
      ]);
    }
  });

  it('gives every microservice the bound variables', () => {
    const { objects } = bound(microservices);
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments).toHaveLength(3);
    for (const d of deployments) {
      expect(d.spec.template.spec.containers[0].env).toContainEqual({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'shop-databases', key: 'DATABASE_URL' } },
      });
    }
  });

  it('refuses a database without credentials for the environment, saying what to do', () => {
    expect(() => bound(monolith, 'production', database)).toThrow(
      expect.objectContaining({
        code: 'release.database_not_ready',
        message: expect.stringMatching(/deploy it/),
      }),
    );
  });

  it('renders no binding secret without bindings', () => {
    expect(objectsOf(monolith).some((o) => o.metadata.name === 'storefront-databases')).toBe(false);
  });
});

describe('renderRelease: production backup CronJob', () => {
  const cronJobsOf = (
    environment: 'staging' | 'production',
    backups: typeof platform.backups,
    project: DatabaseProject = databaseWithCredentials,
  ) =>
    parseManifests(
      renderRelease({ ...releaseInput(project), environment, platform: { ...platform, backups } }).files[2]
        ?.content ?? '',
    ).filter((o) => o.kind === 'CronJob');
  const hostPath = { kind: 'hostPath' as const, path: '/srv/wharf/backups' };
  const s3 = {
    kind: 's3' as const,
    bucket: 'acme-wharf-backups',
    serviceAccount: 'wharf-backup',
    region: 'eu-west-1',
  };

  it('renders one in production only, and none without a backup destination', () => {
    expect(cronJobsOf('production', hostPath)).toHaveLength(1);
    expect(cronJobsOf('staging', hostPath)).toHaveLength(0);
    expect(cronJobsOf('production', undefined)).toHaveLength(0);
    expect(cronJobsOf('production', s3)).toHaveLength(1);
    expect(objectsOf(monolith).some((o) => o.kind === 'CronJob')).toBe(false);
  });

  it("runs on the default schedule, or the project's, one at a time", () => {
    const [job] = cronJobsOf('production', hostPath);
    expect(job.metadata.name).toBe('orders-db-backup');
    expect(job.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Forbid' });
    const [own] = cronJobsOf('production', hostPath, {
      ...databaseWithCredentials,
      backup: { schedule: '30 1 * * 0', retain: 2 },
    });
    expect(own.spec.schedule).toBe('30 1 * * 0');
    expect(own.spec.jobTemplate.spec.template.spec.containers[0].args[0]).toContain('tail -n +3');
    for (const j of [job, own]) expect(() => validateObject(j)).not.toThrow();
  });

  it('hostPath: dumps with the engine image into the mounted folder under the agreed layout, keeping the newest', () => {
    const [job] = cronJobsOf('production', hostPath);
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.volumes).toEqual([
      { name: 'backups', hostPath: { path: '/srv/wharf/backups', type: 'DirectoryOrCreate' } },
    ]);
    const [backup] = pod.containers;
    expect(pod.containers).toHaveLength(1);
    expect(backup.image).toBe('postgres:16');
    expect(backup.volumeMounts).toEqual([{ name: 'backups', mountPath: '/backups' }]);
    const script = backup.args[0];
    expect(script).toContain('DIR=/backups/w0abc123def45/p0data0000001/production');
    expect(script).toContain('STAMP="$(date -u +%Y%m%dT%H%M%SZ)"');
    expect(script).toContain('FILE="$DIR/$STAMP.sql"');
    expect(script).toContain('pg_dump -h "$DB_HOST"');
    expect(script).toContain('tail -n +8');
    expect(backup.env).toEqual([
      { name: 'DB_HOST', value: 'orders-db' },
      { name: 'DB_PORT', value: '5432' },
      { name: 'DB_USER', value: 'orders_db' },
      { name: 'DB_NAME', value: 'orders_db' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'orders-db-credentials', key: 'password' } } },
    ]);
    expect(backup.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
    // Only the step that hands the folder to the dump's user runs as root.
    expect(pod.initContainers[0].securityContext).toMatchObject({
      runAsUser: 0,
      capabilities: { add: ['CHOWN'] },
    });
    expect(pod.restartPolicy).toBe('Never');
  });

  it('s3: dumps in an init container into an emptyDir, then the AWS CLI uploads it with the service account', () => {
    const [job] = cronJobsOf('production', s3);
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('wharf-backup');
    expect(pod.volumes).toContainEqual({ name: 'dump', emptyDir: {} });
    expect(pod.initContainers[0].image).toBe('postgres:16');
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'dump', mountPath: '/dump' }]);
    expect(pod.initContainers[0].args[0]).toContain('DIR=/dump');
    const [upload] = pod.containers;
    expect(upload.image).toMatch(/^amazon\/aws-cli:/);
    expect(upload.args[0]).toContain(
      's3://acme-wharf-backups/w0abc123def45/p0data0000001/production/$(basename "$f")',
    );
    expect(upload.args[0]).toContain('--prefix w0abc123def45/p0data0000001/production/');
    expect(upload.args[0]).toContain('tail -n +8');
    expect(upload.env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
    expect(JSON.stringify(pod)).not.toContain('hostPath');
    expect(() => validateObject(job)).not.toThrow();
  });

  it.each([
    ['mysql', 'sql', 'MYSQL_PWD', 'mysqldump'],
    ['redis', 'rdb', 'REDISCLI_AUTH', 'redis-cli -h "$DB_HOST" -p "$DB_PORT" --rdb'],
    ['mongodb', 'archive.gz', 'MONGO_PASSWORD', '--archive="$PART" --gzip'],
  ] as const)('%s: dumps to .%s with its own tool', (engine, ext, passwordEnv, tool) => {
    const [job] = cronJobsOf('production', hostPath, { ...databaseWithCredentials, engine, version: '7' });
    const [backup] = job.spec.jobTemplate.spec.template.spec.containers;
    expect(backup.args[0]).toContain(`FILE="$DIR/$STAMP.${ext}"`);
    expect(backup.args[0]).toContain(tool);
    expect(backup.env.map((e: any) => e.name)).toContain(passwordEnv);
  });

  it('names the backup destination in values.yaml without the host folder', () => {
    const values = renderRelease(releaseInput(databaseWithCredentials)).values;
    expect(parse(values).backup).toEqual({
      schedule: '0 3 * * *',
      retain: 7,
      to: 'the platform backup folder',
    });
    expect(values).not.toContain('/srv/wharf');
  });
});

describe('renderRelease: Spring microservices', () => {
  const spring: Project = {
    ...microservices,
    env: [
      { name: 'JWT_SECRET', secret: true, secretRef: 'wharf/w0abc123def45/p0micro000001/JWT_SECRET/tok3' },
    ],
    services: [
      {
        name: 'gateway',
        path: 'gateway',
        port: 8080,
        entry: true,
        readinessPath: '/actuator/health/readiness',
        livenessPath: '/actuator/health/liveness',
      },
      { name: 'order-api', path: 'services/orders', port: 8081, entry: false },
    ],
  };
  const objects = objectsOf(spring);
  const envOf = (name: string) => find(objects, 'Deployment', name).spec.template.spec.containers[0].env;

  it("probes a service's actuator paths over HTTP, and a service without paths over TCP", () => {
    const gateway = find(objects, 'Deployment', 'shop-gateway').spec.template.spec.containers[0];
    expect(gateway.readinessProbe.httpGet).toEqual({ path: '/actuator/health/readiness', port: 8080 });
    expect(gateway.livenessProbe.httpGet).toEqual({ path: '/actuator/health/liveness', port: 8080 });
    const orders = find(objects, 'Deployment', 'shop-order-api').spec.template.spec.containers[0];
    expect(orders.readinessProbe.tcpSocket).toEqual({ port: 8081 });
  });

  it('sets the Spring profile to the environment and sizes the heap from the memory limit', () => {
    const env = envOf('shop-gateway');
    expect(env).toContainEqual({ name: 'SPRING_PROFILES_ACTIVE', value: 'production' });
    const jvm = env.find((v: any) => v.name === 'JAVA_TOOL_OPTIONS');
    expect(jvm.value).toContain('-XX:MaxRAMPercentage=75.0');
    const staging = parseManifests(
      renderRelease({ ...releaseInput(spring), environment: 'staging' }).files[2]?.content ?? '',
    );
    expect(find(staging, 'Deployment', 'shop-gateway').spec.template.spec.containers[0].env).toContainEqual({
      name: 'SPRING_PROFILES_ACTIVE',
      value: 'staging',
    });
  });

  it("gives each service its siblings' URLs, not its own", () => {
    const orderUrl = `http://shop-order-api.${namespace}.svc.cluster.local:8081`;
    expect(envOf('shop-gateway')).toContainEqual({ name: 'ORDER_API_URL', value: orderUrl });
    expect(envOf('shop-gateway').some((v: any) => v.name === 'GATEWAY_URL')).toBe(false);
    expect(envOf('shop-order-api')).toContainEqual({
      name: 'GATEWAY_URL',
      value: `http://shop-gateway.${namespace}.svc.cluster.local:8080`,
    });
    // The URL's port is a port of the sibling's Service, so it reaches the pod as it is.
    expect(find(objects, 'Service', 'shop-order-api').spec.ports).toContainEqual({
      name: 'direct',
      port: 8081,
      targetPort: 'http',
      protocol: 'TCP',
    });
    expect(parse(render(spring).values).services.map((s: any) => s.url)).toEqual([
      `http://shop-gateway.${namespace}.svc.cluster.local:8080`,
      orderUrl,
    ]);
  });

  it("lets the project's variables replace the profile and JVM options, never a sibling URL", () => {
    const overriding: Project = {
      ...spring,
      env: [
        { name: 'SPRING_PROFILES_ACTIVE', secret: false, value: 'prod,metrics' },
        { name: 'ORDER_API_URL', secret: false, value: 'http://elsewhere.example' },
      ],
    };
    const env = parseManifests(render(overriding).files[2]?.content ?? '').find(
      (o) => o.metadata.name === 'shop-gateway' && o.kind === 'Deployment',
    ).spec.template.spec.containers[0].env;
    expect(env.filter((v: any) => v.name === 'SPRING_PROFILES_ACTIVE')).toEqual([
      { name: 'SPRING_PROFILES_ACTIVE', value: 'prod,metrics' },
    ]);
    expect(env.filter((v: any) => v.name === 'ORDER_API_URL')).toEqual([
      { name: 'ORDER_API_URL', value: `http://shop-order-api.${namespace}.svc.cluster.local:8081` },
    ]);
    expect(env.map((v: any) => v.name)).toEqual([
      'JAVA_TOOL_OPTIONS',
      'ORDER_API_URL',
      'SPRING_PROFILES_ACTIVE',
    ]);
  });
});

describe('renderRelease: no secret value in any file', () => {
  it('holds refs only, for a bound app and a database with credentials and backups', () => {
    const files = [
      ...renderRelease(releaseInput(databaseWithCredentials)).files,
      ...renderRelease({
        ...releaseInput(microservices),
        databases: [
          {
            binding: { projectId: databaseWithCredentials.id, env: 'DATABASE_URL' },
            project: databaseWithCredentials,
          },
        ],
      }).files,
    ];
    const text = files.map((f) => f.content).join('\n');
    expect(text).not.toMatch(/postgresql:\/\/[^"\s]*:[^"\s]*@/);
    for (const object of files
      .filter((f) => f.path.endsWith('manifests.yaml'))
      .flatMap((f) => parseManifests(f.content))) {
      expect(object.kind).not.toBe('Secret');
      for (const c of [
        ...(object.spec?.template?.spec?.containers ?? []),
        ...(object.spec?.jobTemplate?.spec?.template?.spec?.containers ?? []),
        ...(object.spec?.jobTemplate?.spec?.template?.spec?.initContainers ?? []),
      ]) {
        for (const v of c.env ?? []) {
          if (
            /PASSWORD|PWD|AUTH|_URL$/.test(v.name) &&
            !v.name.endsWith('_API_URL') &&
            v.name !== 'GATEWAY_URL' &&
            !/^(CATALOG|BILLING)_URL$/.test(v.name)
          )
            expect(v.valueFrom?.secretKeyRef, `${object.metadata.name} ${v.name}`).toBeDefined();
        }
      }
    }
  });
});
