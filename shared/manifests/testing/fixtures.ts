import { Application, ApplicationSet, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import type { DatabaseProject, MicroservicesProject, MonolithProject } from '../../domain.ts';
import type { PlatformConfig, ReleaseRenderInput } from '../types.ts';

export const workspace = { id: 'w0abc123def45', name: 'payments' };
export const digest = `sha256:${'a'.repeat(64)}`;

export const platform: PlatformConfig = {
  domain: 'apps.example.com',
  clusterIssuer: 'letsencrypt-prod',
  secretStore: 'wharf-secrets',
  ingressClassName: 'nginx',
  backups: { kind: 'hostPath', path: '/srv/wharf/backups' },
};

const base = {
  workspaceId: workspace.id,
  environments: ['production' as const],
  createdBy: 'github|4242',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  revision: 1,
};

export const monolith: MonolithProject = {
  ...base,
  id: 'p0mono0000001',
  name: 'storefront',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/storefront', branch: 'main' },
  port: 8080,
  autoDeploy: true,
  replicas: 2,
  healthCheckPath: '/healthz',
  env: [
    { name: 'NODE_ENV', secret: false, value: 'node-env-value' },
    { name: 'FEATURE_FLAG', secret: false, value: 'on' },
    { name: 'UMASK', secret: false, value: '0755' },
    { name: 'STRIPE_KEY', secret: true, secretRef: 'wharf/w0abc123def45/p0mono0000001/STRIPE_KEY/tok1' },
    { name: 'DB_PASSWORD', secret: true, secretRef: 'wharf/w0abc123def45/p0mono0000001/DB_PASSWORD/tok2' },
  ],
};

export const database: DatabaseProject = {
  ...base,
  id: 'p0data0000001',
  name: 'orders-db',
  type: 'database',
  engine: 'postgres',
  version: '16',
  storage: '10Gi',
  env: [{ name: 'PGTZ', secret: false, value: 'Europe/Berlin' }],
};

/** A database created with per-environment credentials (shared/use-cases/projects.ts writes them). */
export const databaseWithCredentials: DatabaseProject = {
  ...database,
  environments: ['staging', 'production'],
  credentials: {
    staging: {
      user: 'orders_db',
      database: 'orders_db',
      passwordRef: 'wharf/w0abc123def45/p0data0000001/staging/database-password',
      urlRef: 'wharf/w0abc123def45/p0data0000001/staging/database-url',
      version: 1,
      rotatedAt: '2025-01-01T00:00:00.000Z',
    },
    production: {
      user: 'orders_db',
      database: 'orders_db',
      passwordRef: 'wharf/w0abc123def45/p0data0000001/production/database-password',
      urlRef: 'wharf/w0abc123def45/p0data0000001/production/database-url',
      version: 3,
      rotatedAt: '2025-01-02T00:00:00.000Z',
    },
  },
};

export const microservices: MicroservicesProject = {
  ...base,
  id: 'p0micro000001',
  name: 'shop',
  type: 'microservices',
  repository: { url: 'https://github.com/acme/shop', branch: 'main' },
  autoDeploy: false,
  domain: 'shop.acme.io',
  services: [
    { name: 'gateway', path: 'gateway', port: 8080, entry: true },
    { name: 'catalog', path: 'services/catalog', port: 8081, entry: false },
    { name: 'billing', path: 'services/billing', port: 8082, entry: false },
  ],
  env: [
    { name: 'SPRING_PROFILES_ACTIVE', secret: false, value: 'spring-profile-value' },
    { name: 'JWT_SECRET', secret: true, secretRef: 'wharf/w0abc123def45/p0micro000001/JWT_SECRET/tok3' },
  ],
};

export function releaseInput(project: ReleaseRenderInput['project']): ReleaseRenderInput {
  return {
    workspace,
    project,
    environment: 'production',
    release: { id: 'r0release0001', number: 3, runId: 'run-0001' },
    image: { reference: `registry.example.com/wharf/${project.name}:r0release0001`, digest },
    images:
      project.type === 'microservices'
        ? {
            gateway: {
              reference: 'registry.example.com/wharf/shop-gateway:r1',
              digest: `sha256:${'b'.repeat(64)}`,
            },
            catalog: {
              reference: 'registry.example.com/wharf/shop-catalog:r1',
              digest: `sha256:${'c'.repeat(64)}`,
            },
          }
        : undefined,
    platform,
  };
}

/** Parses a multi-document YAML file the way Kubernetes does (YAML 1.1). */
export function parseManifests(content: string): any[] {
  return parseAllDocuments(content, { version: '1.1' }).map((doc) => {
    if (doc.errors.length) throw doc.errors[0];
    return doc.toJS();
  });
}

const models: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
  'networking.k8s.io/v1/Ingress': Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
  'argoproj.io/v1alpha1/Application': Application,
  'argoproj.io/v1alpha1/ApplicationSet': ApplicationSet,
  'argoproj.io/v1alpha1/AppProject': AppProject,
};

/** Validates an object with its kubernetes-models class; ExternalSecrets (no model) by hand. */
export function validateObject(object: any): void {
  if (object.kind === 'ExternalSecret') {
    validateExternalSecret(object);
    return;
  }
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * The subset of ExternalSecret that Wharf renders, checked field by field against the
 * external-secrets.io/v1 types (external-secrets/external-secrets apis/externalsecrets/v1/
 * externalsecret_types.go): v1 is the only version ESO 0.17+ serves, with the same field names as
 * v1beta1 and these enums and patterns.
 */
export function validateExternalSecret(object: any): void {
  const fail = (why: string) => {
    throw new Error(`ExternalSecret ${object?.metadata?.name}: ${why}`);
  };
  if (object.apiVersion !== 'external-secrets.io/v1') fail(`apiVersion ${object.apiVersion} is not served`);
  if (!object.metadata?.name || !object.metadata?.namespace) fail('metadata');
  const spec = object.spec;
  if (typeof spec?.refreshInterval !== 'string' || !/^(\d+(ns|us|µs|ms|s|m|h))+$/.test(spec.refreshInterval))
    fail('refreshInterval');
  const store = spec.secretStoreRef;
  if (!['SecretStore', 'ClusterSecretStore'].includes(store?.kind)) fail('secretStoreRef.kind');
  if (typeof store?.name !== 'string' || store.name.length > 253 || !DNS_SUBDOMAIN.test(store.name))
    fail('secretStoreRef.name');
  if (Object.keys(store).some((k) => !['kind', 'name'].includes(k)))
    fail('secretStoreRef has unknown fields');
  const target = spec.target;
  if (typeof target?.name !== 'string' || !DNS_SUBDOMAIN.test(target.name)) fail('target.name');
  if (!['Owner', 'Orphan', 'Merge', 'None'].includes(target.creationPolicy)) fail('target.creationPolicy');
  if (!['Delete', 'Merge', 'Retain'].includes(target.deletionPolicy)) fail('target.deletionPolicy');
  if (Object.keys(target).some((k) => !['name', 'creationPolicy', 'deletionPolicy'].includes(k)))
    fail('target has unknown fields');
  if (!Array.isArray(spec.data) || spec.data.length === 0) fail('data');
  for (const d of spec.data) {
    if (typeof d.secretKey !== 'string' || d.secretKey.length > 253 || !SECRET_KEY.test(d.secretKey))
      fail('data.secretKey');
    if (typeof d.remoteRef?.key !== 'string' || !d.remoteRef.key) fail('data.remoteRef.key');
    if (Object.keys(d).some((k) => !['secretKey', 'remoteRef'].includes(k))) fail('data has unknown fields');
    if (Object.keys(d.remoteRef).some((k) => !['key', 'property', 'version'].includes(k))) fail('remoteRef');
  }
  const allowed = ['refreshInterval', 'secretStoreRef', 'target', 'data'];
  if (Object.keys(spec).some((k) => !allowed.includes(k))) fail('spec has unknown fields');
}
