import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IService } from 'kubernetes-models/v1/Service';
import type { Autoscaling, StoredEnvVar } from '../domain.ts';
import type { ExternalSecretsApiVersion } from './types.ts';

/**
 * Builders for the Kubernetes objects a release is made of. They take already-derived names and
 * return plain objects typed by kubernetes-models (types only, so the browser bundle stays small).
 */

/** Every kind a release may contain; the workspace AppProject allows exactly these. */
export const RENDERED_KINDS = [
  { group: 'apps', kind: 'Deployment' },
  { group: 'apps', kind: 'StatefulSet' },
  { group: '', kind: 'Service' },
  { group: 'networking.k8s.io', kind: 'Ingress' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
  { group: 'external-secrets.io', kind: 'ExternalSecret' },
  // A production database's backups.
  { group: 'batch', kind: 'CronJob' },
] as const;

export type Labels = Record<string, string>;

export interface ObjectContext {
  namespace: string;
  /** Labels every object gets (instance, part-of, managed-by, workspace, project, release). */
  labels: Labels;
  /** Annotations on the objects themselves (never on pod templates: they would restart pods). */
  annotations: Labels;
}

export interface ExternalSecret {
  apiVersion: ExternalSecretsApiVersion;
  kind: 'ExternalSecret';
  metadata: { name: string; namespace: string; labels: Labels; annotations: Labels };
  spec: {
    refreshInterval: string;
    secretStoreRef: { kind: 'ClusterSecretStore'; name: string };
    target: { name: string; creationPolicy: 'Owner'; deletionPolicy: 'Retain' };
    data: Array<{ secretKey: string; remoteRef: { key: string } }>;
  };
}

export type KubeObject =
  | IDeployment
  | IStatefulSet
  | IService
  | IIngress
  | IHorizontalPodAutoscaler
  | ICronJob
  | ExternalSecret;

const HTTP_PORT_NAME = 'http';

function metadata(ctx: ObjectContext, name: string, labels: Labels, annotations: Labels = {}) {
  return {
    name,
    namespace: ctx.namespace,
    labels: { ...ctx.labels, ...labels },
    annotations: { ...ctx.annotations, ...annotations },
  };
}

/**
 * Plain variables inline, secret ones from the app's ExternalSecret-made Secret (`secretName`).
 * Project order is kept: later variables may refer to earlier ones as $(NAME).
 */
export function envVars(env: readonly StoredEnvVar[], secretName: string): IEnvVar[] {
  return env.map((v) =>
    v.secret
      ? { name: v.name, valueFrom: { secretKeyRef: { name: secretName, key: v.name } } }
      : { name: v.name, value: v.value },
  );
}

export function externalSecret(
  ctx: ObjectContext,
  input: {
    name: string;
    apiVersion: ExternalSecretsApiVersion;
    secretStore: string;
    labels: Labels;
    data: Array<{ secretKey: string; key: string }>;
  },
): ExternalSecret {
  return {
    apiVersion: input.apiVersion,
    kind: 'ExternalSecret',
    // Wave -1: Argo CD applies the secret, and waits for it to be healthy, before the pods that read it.
    metadata: metadata(ctx, input.name, input.labels, { 'argocd.argoproj.io/sync-wave': '-1' }),
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: input.secretStore },
      target: { name: input.name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: input.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key } })),
    },
  };
}

/** What every app container gets: no root, no privilege escalation, no capabilities. */
export const containerSecurity: ISecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * The memory an app container may use. The JVM's heap is sized from it (render-release.ts sets
 * JAVA_TOOL_OPTIONS for microservices), so the two stay in one place.
 */
export const APP_MEMORY_LIMIT = '512Mi';

export function appDeployment(
  ctx: ObjectContext,
  input: {
    name: string;
    selector: Labels;
    podLabels: Labels;
    image: string;
    port: number;
    /** Left out when a HorizontalPodAutoscaler owns the count (a fixed one would fight it). */
    replicas?: number | undefined;
    env: IEnvVar[];
    readiness: IProbe;
    liveness: IProbe;
  },
): IDeployment {
  const container: IContainer = {
    name: 'app',
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: HTTP_PORT_NAME, containerPort: input.port, protocol: 'TCP' }],
    ...(input.env.length ? { env: input.env } : {}),
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1', memory: APP_MEMORY_LIMIT },
    },
    readinessProbe: input.readiness,
    livenessProbe: input.liveness,
    securityContext: containerSecurity,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(ctx, input.name, input.selector),
    spec: {
      ...(input.replicas === undefined ? {} : { replicas: input.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: input.selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...ctx.labels, ...input.podLabels } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
        },
      },
    },
  };
}

export const httpProbes = (path: string, port: number): { readiness: IProbe; liveness: IProbe } => ({
  readiness: {
    httpGet: { path, port },
    initialDelaySeconds: 3,
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
  },
  liveness: {
    httpGet: { path, port },
    initialDelaySeconds: 15,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 3,
  },
});

export const tcpProbes = (port: number): { readiness: IProbe; liveness: IProbe } => ({
  readiness: { tcpSocket: { port }, initialDelaySeconds: 3, periodSeconds: 5, failureThreshold: 3 },
  liveness: { tcpSocket: { port }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3 },
});

/**
 * A ClusterIP Service on port 80 in front of the container's named `http` port; with `directPort`
 * also on the container's own port, so a URL with that port reaches the pod both in a cluster and on
 * the local platform (whose podman networks can't remap 80 to the container's port).
 */
export function appService(
  ctx: ObjectContext,
  input: { name: string; selector: Labels; directPort?: number | undefined },
): IService {
  const direct =
    input.directPort !== undefined && input.directPort !== 80
      ? [{ name: 'direct', port: input.directPort, targetPort: HTTP_PORT_NAME, protocol: 'TCP' as const }]
      : [];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(ctx, input.name, input.selector),
    spec: {
      type: 'ClusterIP',
      selector: input.selector,
      ports: [{ name: HTTP_PORT_NAME, port: 80, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }, ...direct],
    },
  };
}

/**
 * The app's Ingress: one rule per host, all to the same Service. With a custom domain the platform
 * host stays (links and bookmarks keep working while DNS moves), and each host gets its own TLS entry
 * and Secret: cert-manager's ingress-shim makes one Certificate per `secretName`, so a custom domain
 * whose DNS does not point here yet (its HTTP-01 challenge fails) can't hold back the platform
 * host's certificate.
 */
export function appIngress(
  ctx: ObjectContext,
  input: {
    name: string;
    labels: Labels;
    /** The platform host: always served. */
    host: string;
    /** The custom domain, served next to it. */
    domain?: string | undefined;
    serviceName: string;
    clusterIssuer: string;
    ingressClassName?: string | undefined;
  },
): IIngress {
  const tls = [{ hosts: [input.host], secretName: `${input.name}-tls` }];
  if (input.domain && input.domain !== input.host) {
    tls.push({ hosts: [input.domain], secretName: `${input.name}-domain-tls` });
  }
  const backend = { service: { name: input.serviceName, port: { name: HTTP_PORT_NAME } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(ctx, input.name, input.labels, {
      'cert-manager.io/cluster-issuer': input.clusterIssuer,
    }),
    spec: {
      ...(input.ingressClassName ? { ingressClassName: input.ingressClassName } : {}),
      tls,
      rules: tls.map(({ hosts: [host] }) => ({
        host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
      })),
    },
  };
}

export function appAutoscaler(
  ctx: ObjectContext,
  input: { name: string; labels: Labels; deployment: string } & Autoscaling,
): IHorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(ctx, input.name, input.labels),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: input.deployment },
      minReplicas: input.minReplicas,
      maxReplicas: input.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: input.targetCpuPercent },
          },
        },
      ],
    },
  };
}

/** The headless Service a StatefulSet's pods get their stable DNS names from. */
export function headlessService(
  ctx: ObjectContext,
  input: { name: string; selector: Labels; port: number; portName: string },
): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(ctx, input.name, input.selector),
    spec: {
      clusterIP: 'None',
      selector: input.selector,
      ports: [{ name: input.portName, port: input.port, targetPort: input.portName, protocol: 'TCP' }],
    },
  };
}

export function databaseStatefulSet(
  ctx: ObjectContext,
  input: {
    name: string;
    serviceName: string;
    selector: Labels;
    podLabels: Labels;
    image: string;
    port: number;
    portName: string;
    dataPath: string;
    storage: string;
    uid: number;
    env: IEnvVar[];
    args?: string[] | undefined;
    readiness: IProbe;
    liveness: IProbe;
    sharedMemory?: string | undefined;
    /** On the pod template: a change (e.g. the credentials' version) rolls the pods. */
    podAnnotations?: Labels | undefined;
    /** Run in the container once it started (Kubernetes `lifecycle.postStart`). */
    postStart?: string[] | undefined;
  },
): IStatefulSet {
  const volumeMounts = [{ name: 'data', mountPath: input.dataPath }];
  if (input.sharedMemory) volumeMounts.push({ name: 'shm', mountPath: '/dev/shm' });
  const container: IContainer = {
    name: 'database',
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    ...(input.args ? { args: input.args } : {}),
    ports: [{ name: input.portName, containerPort: input.port, protocol: 'TCP' }],
    ...(input.env.length ? { env: input.env } : {}),
    resources: {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
    readinessProbe: input.readiness,
    livenessProbe: input.liveness,
    ...(input.postStart ? { lifecycle: { postStart: { exec: { command: input.postStart } } } } : {}),
    volumeMounts,
    securityContext: { ...containerSecurity, runAsUser: input.uid, runAsGroup: input.uid },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(ctx, input.name, input.selector),
    spec: {
      serviceName: input.serviceName,
      replicas: 1,
      selector: { matchLabels: input.selector },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: {
          labels: { ...ctx.labels, ...input.podLabels },
          ...(input.podAnnotations ? { annotations: input.podAnnotations } : {}),
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          // The engine images run as uid 999; fsGroup makes the fresh volume writable for it.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: input.uid,
            runAsGroup: input.uid,
            fsGroup: input.uid,
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [container],
          ...(input.sharedMemory
            ? { volumes: [{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: input.sharedMemory } }] }
            : {}),
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels: input.selector },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: input.storage } },
          },
        },
      ],
    },
  };
}

/**
 * A CronJob that runs `podSpec` on `schedule` (UTC), never two at once (a dump still going when the
 * next one is due would read the database twice over), keeping a few finished Jobs to read.
 */
export function cronJob(
  ctx: ObjectContext,
  input: { name: string; labels: Labels; schedule: string; podSpec: IPodSpec },
): ICronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(ctx, input.name, input.labels),
    spec: {
      schedule: input.schedule,
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: { ...ctx.labels, ...input.labels } },
        spec: {
          backoffLimit: 2,
          // A dump that hangs (a database that stopped answering) ends instead of blocking the next.
          activeDeadlineSeconds: 3 * 3600,
          template: {
            metadata: { labels: { ...ctx.labels, ...input.labels } },
            spec: { restartPolicy: 'Never', ...input.podSpec },
          },
        },
      },
    },
  };
}
