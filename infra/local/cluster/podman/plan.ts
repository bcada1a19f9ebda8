import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IService } from 'kubernetes-models/v1/Service';
import type { CheckedObject } from '../manifest-check.ts';

/**
 * What podman 4.3.1 can run of an app folder's validated objects, and what it can't (in words, per
 * object). Pure reading; the cluster (podman-cluster.ts) turns the result into podman commands.
 *
 * - Deployment / StatefulSet → one `kube play` Deployment per replica (each with its own loopback
 *   ports: two replicas can't share a hostPort); a StatefulSet gets a named volume per claim.
 * - Service → DNS aliases on the namespace's network for the pods its selector matches.
 * - Ingress → the gateway's route to the backend container port, published on 127.0.0.1.
 * - ConfigMap → played with each pod; Secret / ExternalSecret → a podman secret (JSON of base64).
 * - CronJob → a pod played at each time of its schedule.
 */

export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  replicas: number;
  /** The labels the pod template carries (what Service selectors match). */
  podLabels: Record<string, string>;
  podSpec: IPodSpec;
  /** StatefulSet volume claim templates: claim name and, for a fresh volume, its owner. */
  claims: string[];
  /** The Services whose selector matches the pods. */
  services: string[];
}

export interface SecretSource {
  name: string;
  /** Key → secret store ref (ExternalSecret) or → base64 value (Secret). */
  entries: Record<string, { ref: string } | { base64: string }>;
}

export interface IngressRoute {
  host: string;
  workload: string;
  containerPort: number;
}

export interface CronJobPlan {
  name: string;
  schedule: string;
  suspended: boolean;
  /** Forbid and Replace skip a run while one is still going; Allow would overlap, which is not done here. */
  podSpec: IPodSpec;
}

export interface AppObjects {
  workloads: Workload[];
  configMaps: CheckedObject[];
  secrets: SecretSource[];
  routes: IngressRoute[];
  cronJobs: CronJobPlan[];
  /** Services: name → the ports other pods must use here (no port remapping on a podman network). */
  services: Map<string, { selector: Record<string, string> }>;
  /** One line per object podman does not run, or runs differently; never dropped silently. */
  notes: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ofKind = <T>(objects: readonly CheckedObject[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as unknown as T[];

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Kinds that have no podman equivalent, with the reason said in the sync message. */
const NOT_RUN: Record<string, string> = {
  NetworkPolicy: 'not enforced locally (podman networks do not filter traffic between pods)',
  PodDisruptionBudget: 'not applied locally (there are no node drains here)',
  ServiceAccount: 'not applied locally (no API server: pods get no token)',
  Role: 'not applied locally (no API server to authorize against)',
  RoleBinding: 'not applied locally (no API server to authorize against)',
  DaemonSet: 'not run locally (one machine and no nodes; a Deployment runs here)',
  Job: 'not run locally (only CronJobs are scheduled here)',
};

/** The port a probe or targetPort names, as a container port number. */
export function containerPortOf(
  container: IContainer,
  port: number | string | undefined,
): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return container.ports?.[0]?.containerPort;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function secretSources(objects: readonly CheckedObject[], notes: string[]): SecretSource[] {
  const sources: SecretSource[] = [];
  for (const object of objects) {
    if (object.kind === 'ExternalSecret') {
      const spec = isRecord(object.spec) ? object.spec : {};
      const target =
        isRecord(spec.target) && typeof spec.target.name === 'string'
          ? spec.target.name
          : object.metadata.name;
      const entries: SecretSource['entries'] = {};
      for (const item of Array.isArray(spec.data) ? spec.data : []) {
        if (isRecord(item) && typeof item.secretKey === 'string' && isRecord(item.remoteRef)) {
          if (typeof item.remoteRef.key === 'string') entries[item.secretKey] = { ref: item.remoteRef.key };
        }
      }
      if (spec.dataFrom !== undefined) {
        notes.push(
          `ExternalSecret ${object.metadata.name}: dataFrom is not read locally; only data entries are`,
        );
      }
      sources.push({ name: target, entries });
    } else if (object.kind === 'Secret') {
      const entries: SecretSource['entries'] = {};
      if (isRecord(object.data)) {
        for (const [key, value] of Object.entries(object.data))
          if (typeof value === 'string') entries[key] = { base64: value };
      }
      if (isRecord(object.stringData)) {
        for (const [key, value] of Object.entries(object.stringData))
          if (typeof value === 'string') entries[key] = { base64: Buffer.from(value).toString('base64') };
      }
      sources.push({ name: object.metadata.name, entries });
    }
  }
  return sources;
}

/** Reads the folder's objects into what podman runs, with a note for each thing it can't. */
export function readAppObjects(objects: readonly CheckedObject[]): AppObjects {
  const notes: string[] = [];
  const autoscalers = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
  const minReplicas = (kind: string, name: string) =>
    autoscalers.find((h) => h.spec?.scaleTargetRef.kind === kind && h.spec.scaleTargetRef.name === name)?.spec
      ?.minReplicas;

  const services = new Map<string, { selector: Record<string, string> }>();
  const serviceObjects = ofKind<IService>(objects, 'Service');
  for (const service of serviceObjects) {
    services.set(service.metadata?.name ?? '', { selector: service.spec?.selector ?? {} });
  }

  const workloads: Workload[] = [];
  for (const object of objects) {
    if (object.kind !== 'Deployment' && object.kind !== 'StatefulSet') continue;
    const typed = object as unknown as IDeployment | IStatefulSet;
    const name = object.metadata.name;
    const spec = typed.spec;
    if (!spec?.template.spec) continue;
    const replicas = spec.replicas ?? minReplicas(object.kind, name) ?? 1;
    const podLabels = (spec.template.metadata?.labels ?? {}) as Record<string, string>;
    const claims =
      object.kind === 'StatefulSet'
        ? ((typed as IStatefulSet).spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? 'data')
        : [];
    if (object.kind === 'StatefulSet' && replicas > 1) {
      notes.push(
        `StatefulSet ${name}: ${replicas} replicas run as separate pods with a volume each; there is no ordered start locally`,
      );
    }
    workloads.push({
      kind: object.kind,
      name,
      replicas,
      podLabels,
      podSpec: spec.template.spec,
      claims,
      services: [...services].filter(([, s]) => matches(s.selector, podLabels)).map(([n]) => n),
    });
  }

  // A Service's port is not remapped on a podman network: clients reach the container port itself.
  for (const service of serviceObjects) {
    const name = service.metadata?.name ?? '';
    const backends = workloads.filter((w) => w.services.includes(name));
    for (const port of service.spec?.ports ?? []) {
      const container = backends[0]?.podSpec.containers.find(
        (c) => containerPortOf(c, port.targetPort ?? port.port) !== undefined,
      );
      const target = container ? containerPortOf(container, port.targetPort ?? port.port) : undefined;
      if (target !== undefined && target !== port.port) {
        notes.push(
          `Service ${name}: port ${port.port} is not remapped locally; other pods reach it at ${name}:${target}`,
        );
      }
    }
    if (backends.length === 0) notes.push(`Service ${name}: no pod of this folder matches its selector`);
  }

  const routes: IngressRoute[] = [];
  for (const ingress of ofKind<IIngress>(objects, 'Ingress')) {
    for (const rule of ingress.spec?.rules ?? []) {
      if (!rule.host) continue;
      const [path, ...more] = rule.http?.paths ?? [];
      const backend = path?.backend.service;
      if (more.length > 0) {
        notes.push(
          `Ingress ${ingress.metadata?.name}: only the first path of ${rule.host} is routed locally (to ${backend?.name})`,
        );
      }
      if (!backend) continue;
      const service = serviceObjects.find((s) => s.metadata?.name === backend.name);
      const servicePort = service?.spec?.ports?.find((p) =>
        backend.port?.name !== undefined ? p.name === backend.port.name : p.port === backend.port?.number,
      );
      const workload = workloads.find((w) => w.services.includes(backend.name));
      const container = workload?.podSpec.containers.find(
        (c) => containerPortOf(c, servicePort?.targetPort ?? servicePort?.port) !== undefined,
      );
      const containerPort = container
        ? containerPortOf(container, servicePort?.targetPort ?? servicePort?.port)
        : undefined;
      if (!workload || containerPort === undefined) {
        notes.push(
          `Ingress ${ingress.metadata?.name}: ${rule.host} is not routed locally (no pod serves Service ${backend.name})`,
        );
        continue;
      }
      routes.push({ host: rule.host.toLowerCase(), workload: workload.name, containerPort });
    }
  }

  const cronJobs: CronJobPlan[] = ofKind<ICronJob>(objects, 'CronJob').flatMap((job) => {
    const podSpec = job.spec?.jobTemplate.spec?.template.spec;
    if (!podSpec || !job.spec) return [];
    if (job.spec.timeZone) {
      notes.push(
        `CronJob ${job.metadata?.name}: timeZone ${job.spec.timeZone} is not read locally; the schedule runs in UTC`,
      );
    }
    return [
      {
        name: job.metadata?.name ?? 'job',
        schedule: job.spec.schedule,
        suspended: job.spec.suspend === true,
        podSpec: { ...podSpec, restartPolicy: 'Never' },
      },
    ];
  });

  for (const hpa of autoscalers) {
    const target = hpa.spec?.scaleTargetRef;
    const workload = workloads.find((w) => w.kind === target?.kind && w.name === target?.name);
    notes.push(
      `HorizontalPodAutoscaler ${hpa.metadata?.name}: not run locally (podman has no autoscaler); replicas fixed at ${workload?.replicas ?? 1}`,
    );
  }
  for (const object of objects) {
    const reason = NOT_RUN[object.kind];
    if (reason) notes.push(`${object.kind} ${object.metadata.name}: ${reason}`);
    else if (
      ![
        'Deployment',
        'StatefulSet',
        'Service',
        'Ingress',
        'ConfigMap',
        'Secret',
        'ExternalSecret',
        'CronJob',
        'HorizontalPodAutoscaler',
        'PersistentVolumeClaim',
      ].includes(object.kind)
    ) {
      notes.push(`${object.kind} ${object.metadata.name}: not run locally (podman has no equivalent)`);
    }
  }

  return {
    workloads,
    configMaps: objects.filter((o) => o.kind === 'ConfigMap'),
    secrets: secretSources(objects, notes),
    routes,
    cronJobs,
    services,
    notes,
  };
}

/**
 * The readiness probe of each container, for the reconciler to poll itself. HTTP probes carry the
 * container port they target (for messages) and the kubelet's budget (initialDelaySeconds +
 * failureThreshold × periodSeconds): an app that answers wrongly fails within it. Exec and TCP
 * probes (databases) keep the reconciler's own timeout, as a first start may initialise data.
 */
export type Readiness =
  | {
      type: 'http';
      hostPort: number;
      containerPort: number;
      path: string;
      headers: Record<string, string>;
      timeoutMs: number;
      budgetMs: number;
    }
  | { type: 'tcp'; hostPort: number; timeoutMs: number }
  | { type: 'exec'; command: string[]; timeoutMs: number };

export function readinessOf(
  probe: IProbe | undefined,
  container: IContainer,
  hostPort: (containerPort: number) => number | undefined,
): Readiness | string | undefined {
  if (!probe) return undefined;
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1_000;
  if (probe.exec?.command?.length) return { type: 'exec', command: probe.exec.command, timeoutMs };
  const target = probe.httpGet ?? probe.tcpSocket;
  if (!target) return 'only httpGet, tcpSocket and exec probes are run locally';
  const port = containerPortOf(container, target.port);
  const published = port === undefined ? undefined : hostPort(port);
  if (published === undefined) return `the probe's port ${target.port} is not a port of the container`;
  if (probe.httpGet) {
    const path = probe.httpGet.path
      ? probe.httpGet.path.startsWith('/')
        ? probe.httpGet.path
        : `/${probe.httpGet.path}`
      : '/';
    const headers: Record<string, string> = {};
    for (const header of probe.httpGet.httpHeaders ?? []) headers[header.name] = header.value;
    const budgetMs =
      ((probe.initialDelaySeconds ?? 0) + (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10)) *
      1_000;
    return {
      type: 'http',
      hostPort: published,
      containerPort: port as number,
      path,
      headers,
      timeoutMs,
      budgetMs,
    };
  }
  return { type: 'tcp', hostPort: published, timeoutMs };
}

/** Every image a pod spec runs (init containers too). */
export const podImages = (spec: IPodSpec): string[] =>
  [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.image ?? '').filter(Boolean);
