import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler as HorizontalPodAutoscalerV1 } from 'kubernetes-models/autoscaling/v1/HorizontalPodAutoscaler';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';

/** An object from manifests.yaml that passed its check: typed further by whoever reads it. */
export interface CheckedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string | undefined } & Record<string, unknown>;
  [field: string]: unknown;
}

export type ManifestCheck = { ok: true; objects: CheckedObject[] } | { ok: false; message: string };

type Validator = (object: Record<string, unknown>) => void;

/** The object is untyped YAML; the model's schema is what decides whether it fits. */
const model =
  <T>(Model: new (data?: T) => { validate(): void }): Validator =>
  (object) =>
    new Model(object as T).validate();

/**
 * Kinds checked against the Kubernetes OpenAPI schema (kubernetes-models): every kind a release is
 * rendered with, and the built-in kinds a hand-edited folder is most likely to hold.
 */
const VALIDATORS: ReadonlyMap<string, Validator> = new Map([
  ['apps/v1/Deployment', model(Deployment)],
  ['apps/v1/StatefulSet', model(StatefulSet)],
  ['apps/v1/DaemonSet', model(DaemonSet)],
  ['v1/Service', model(Service)],
  ['v1/ConfigMap', model(ConfigMap)],
  ['v1/Secret', model(Secret)],
  ['v1/ServiceAccount', model(ServiceAccount)],
  ['v1/PersistentVolumeClaim', model(PersistentVolumeClaim)],
  ['networking.k8s.io/v1/Ingress', model(Ingress)],
  ['networking.k8s.io/v1/NetworkPolicy', model(NetworkPolicy)],
  ['autoscaling/v2/HorizontalPodAutoscaler', model(HorizontalPodAutoscaler)],
  ['autoscaling/v1/HorizontalPodAutoscaler', model(HorizontalPodAutoscalerV1)],
  ['batch/v1/Job', model(Job)],
  ['batch/v1/CronJob', model(CronJob)],
  ['policy/v1/PodDisruptionBudget', model(PodDisruptionBudget)],
  ['rbac.authorization.k8s.io/v1/Role', model(Role)],
  ['rbac.authorization.k8s.io/v1/RoleBinding', model(RoleBinding)],
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
function fieldPath(pointer: string): string {
  if (!pointer) return '(object)';
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

interface SchemaError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The validator's own findings, one per field, in words: `spec.replicas must be integer`. */
function describeValidation(error: unknown): string {
  const errors = isRecord(error) ? (error as { errors?: unknown }).errors : undefined;
  if (Array.isArray(errors) && errors.length > 0) {
    const lines = (errors as SchemaError[]).map((e) => {
      const allowed = Array.isArray(e.params?.allowedValues) ? ` (${e.params.allowedValues.join(', ')})` : '';
      return `${fieldPath(e.instancePath ?? '')} ${e.message ?? 'is invalid'}${allowed}`;
    });
    return [...new Set(lines)].join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** External Secrets has no kubernetes-models package: the fields the reconciler and the operator rely on. */
function checkExternalSecret(object: Record<string, unknown>): string | undefined {
  const spec = object.spec;
  if (!isRecord(spec)) return 'spec is required';
  if (spec.target !== undefined) {
    if (!isRecord(spec.target)) return 'spec.target must be object';
    if (spec.target.name !== undefined && typeof spec.target.name !== 'string')
      return 'spec.target.name must be string';
  }
  if (spec.data === undefined && spec.dataFrom === undefined) return 'spec.data or spec.dataFrom is required';
  if (spec.data !== undefined) {
    if (!Array.isArray(spec.data)) return 'spec.data must be array';
    for (const [i, item] of spec.data.entries()) {
      if (!isRecord(item) || typeof item.secretKey !== 'string' || !item.secretKey) {
        return `spec.data[${i}].secretKey must be a non-empty string`;
      }
      if (!isRecord(item.remoteRef) || typeof item.remoteRef.key !== 'string' || !item.remoteRef.key) {
        return `spec.data[${i}].remoteRef.key must be a non-empty string`;
      }
    }
  }
  if (spec.dataFrom !== undefined && !Array.isArray(spec.dataFrom)) return 'spec.dataFrom must be array';
  return undefined;
}

/**
 * Parses manifests.yaml (multi-document, YAML 1.1 as Kubernetes reads it) and checks every object:
 * the shape Argo CD needs (apiVersion, kind, a DNS name, the app's namespace, no duplicates), then
 * the kind's OpenAPI schema where kubernetes-models has one. The first problem is the message.
 */
export function checkManifests(text: string, namespace?: string): ManifestCheck {
  const fail = (message: string): ManifestCheck => ({ ok: false, message });
  const parsed = parseAllDocuments(text, { version: '1.1' });
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const objects: CheckedObject[] = [];
  const seen = new Set<string>();
  for (const [index, document] of documents.entries()) {
    const where = `manifests.yaml document ${index + 1}`;
    const [error] = document.errors;
    if (error) return fail(`${where} is not valid YAML: ${error.message.split('\n')[0]}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) return fail(`${where} is not a Kubernetes object (expected a mapping)`);
    const { apiVersion, kind, metadata } = value;
    if (typeof apiVersion !== 'string' || !apiVersion) return fail(`${where}: apiVersion is required`);
    if (typeof kind !== 'string' || !kind) return fail(`${where}: kind is required`);
    if (!isRecord(metadata) || typeof metadata.name !== 'string' || !metadata.name) {
      return fail(`${where} (${kind}): metadata.name is required`);
    }
    const label = `${kind} "${metadata.name}"`;
    if (metadata.name.length > 253 || !DNS_SUBDOMAIN.test(metadata.name)) {
      return fail(`${where} (${label}): metadata.name must be a lowercase DNS name`);
    }
    if (metadata.namespace !== undefined) {
      if (typeof metadata.namespace !== 'string')
        return fail(`${where} (${label}): metadata.namespace must be string`);
      if (namespace && metadata.namespace !== namespace) {
        return fail(
          `${where} (${label}) is in namespace "${metadata.namespace}"; this app deploys to "${namespace}"`,
        );
      }
    }
    const identity = `${apiVersion.split('/')[0]}/${kind}/${metadata.name}`;
    if (seen.has(identity)) return fail(`${where}: ${label} appears more than once`);
    seen.add(identity);

    const validate = VALIDATORS.get(`${apiVersion}/${kind}`);
    if (validate) {
      try {
        validate(value);
      } catch (problem) {
        return fail(`${where} (${label}): ${describeValidation(problem)}`);
      }
    } else if (kind === 'ExternalSecret' && apiVersion.startsWith('external-secrets.io/')) {
      const problem = checkExternalSecret(value);
      if (problem) return fail(`${where} (${label}): ${problem}`);
    }
    objects.push(value as CheckedObject);
  }
  return { ok: true, objects };
}
