import { describe, expect, it } from 'vitest';
import type { Project } from '../domain.ts';
import { DATABASE_ENGINES } from '../schemas/project.ts';
import { RENDERED_KINDS, renderBootstrap, renderRelease } from './index.ts';
import { isServed, SERVED_API_VERSIONS } from './served-apis.ts';
import {
  database,
  microservices,
  monolith,
  parseManifests,
  releaseInput,
  validateExternalSecret,
  workspace,
} from './testing/fixtures.ts';

/** Every shape of project Wharf renders: each type, each engine, with and without secrets and domains. */
const projects: Array<[string, Project]> = [
  ['monolith with secrets', monolith],
  ['monolith without env', { ...monolith, env: [] }],
  ['monolith with a custom domain', { ...monolith, domain: 'store.acme.io' }],
  ...DATABASE_ENGINES.map((engine): [string, Project] => [
    `database ${engine}`,
    { ...database, engine, version: engine === 'mysql' ? '8.0' : '7' },
  ]),
  [
    'database with a secret variable',
    {
      ...database,
      env: [...database.env, { name: 'APP_TOKEN', secret: true, secretRef: 'wharf/w/p/APP_TOKEN/t' }],
    },
  ],
  ['microservices with secrets and a custom domain', microservices],
  ['microservices without env or domain', { ...microservices, env: [], domain: undefined }],
  // Autoscaling set per environment: an autoscaling/v2 HorizontalPodAutoscaler per workload.
  [
    'monolith and microservices autoscaled in both environments',
    {
      ...microservices,
      environments: ['staging', 'production'],
      environmentSettings: {
        staging: {
          autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuPercent: 80 },
          domain: 'staging.shop.acme.io',
        },
        production: { autoscaling: { minReplicas: 2, maxReplicas: 8, targetCpuPercent: 60 } },
      },
    },
  ],
  [
    'monolith autoscaled with overrides',
    {
      ...monolith,
      environments: ['staging', 'production'],
      environmentSettings: {
        staging: {
          env: [{ name: 'APP_TOKEN', secret: true, secretRef: 'wharf/w/p/staging/APP_TOKEN/t' }],
          autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuPercent: 50 },
        },
      },
    },
  ],
];

const releaseObjects = (project: Project, environment: 'staging' | 'production') =>
  renderRelease({ ...releaseInput(project), environment }).files.flatMap((f) =>
    f.path.endsWith('.yaml') && !f.path.endsWith('/values.yaml') ? parseManifests(f.content) : [],
  );

const bootstrapObjects = () =>
  renderBootstrap({
    repoUrl: 'https://github.com/acme/wharf-gitops.git',
    revision: 'main',
    argoNamespace: 'argocd',
    workspaces: [{ ...workspace, environments: ['staging', 'production'] }],
  }).flatMap((f) => parseManifests(f.content));

/** apiVersion/kind of the object and of every object nested in it (volumeClaimTemplates, …). */
function typesIn(node: unknown, out: Array<{ apiVersion: string; kind: string }> = []) {
  if (Array.isArray(node)) for (const item of node) typesIn(item, out);
  else if (node && typeof node === 'object') {
    const { apiVersion, kind } = node as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion === 'string' && typeof kind === 'string') out.push({ apiVersion, kind });
    for (const value of Object.values(node)) typesIn(value, out);
  }
  return out;
}

describe('rendered apiVersions are served by current clusters', () => {
  const rendered = [
    ...projects.flatMap(([label, project]) =>
      (['staging', 'production'] as const).flatMap((environment) =>
        releaseObjects(project, environment).map((object) => ({
          where: `${label} (${environment})`,
          object,
        })),
      ),
    ),
    ...bootstrapObjects().map((object) => ({ where: 'bootstrap', object })),
  ];

  it.each(projects)('%s: every object and nested object uses a served apiVersion', (label, project) => {
    for (const environment of ['staging', 'production'] as const) {
      for (const object of releaseObjects(project, environment)) {
        for (const { apiVersion, kind } of typesIn(object)) {
          expect(isServed(apiVersion, kind), `${label}: ${apiVersion} ${kind}`).toBe(true);
        }
      }
    }
  });

  it('bootstrap: every object uses a served apiVersion', () => {
    for (const object of bootstrapObjects()) {
      for (const { apiVersion, kind } of typesIn(object)) {
        expect(isServed(apiVersion, kind), `bootstrap: ${apiVersion} ${kind}`).toBe(true);
      }
    }
  });

  it('the fixtures above render every kind a release may contain', () => {
    // A kind added to RENDERED_KINDS without a fixture that renders it would escape the check above.
    const seen = new Set(rendered.map(({ object }) => object.kind));
    for (const { kind } of RENDERED_KINDS) expect(seen.has(kind), kind).toBe(true);
  });

  it('the AppProject whitelist names only served groups', () => {
    const servedGroups = new Set(
      Object.keys(SERVED_API_VERSIONS).map((key) => {
        const apiVersion = key.slice(0, key.lastIndexOf('/'));
        return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      }),
    );
    for (const { group, kind } of RENDERED_KINDS) {
      expect(servedGroups.has(group), `${group} ${kind}`).toBe(true);
    }
  });

  it('renders ExternalSecrets as external-secrets.io/v1 in the v1 shape', () => {
    const secrets = rendered.filter(({ object }) => object.kind === 'ExternalSecret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const { where, object } of secrets) {
      expect(object.apiVersion, where).toBe('external-secrets.io/v1');
      expect(() => validateExternalSecret(object), where).not.toThrow();
    }
  });

  it('rejects a version current clusters no longer serve', () => {
    expect(isServed('external-secrets.io/v1beta1', 'ExternalSecret')).toBe(false);
    expect(isServed('autoscaling/v2beta2', 'HorizontalPodAutoscaler')).toBe(false);
    expect(isServed('batch/v1beta1', 'CronJob')).toBe(false);
    expect(isServed('policy/v1beta1', 'PodDisruptionBudget')).toBe(false);
    expect(isServed('networking.k8s.io/v1beta1', 'Ingress')).toBe(false);
  });
});
