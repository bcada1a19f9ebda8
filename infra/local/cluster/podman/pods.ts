import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { stringify } from 'yaml';
import type { CheckedObject } from '../manifest-check.ts';
import { type CronJobPlan, type Readiness, readinessOf, type Workload } from './plan.ts';

/** Labels on every pod the container mode plays: who owns it and what it runs. */
export const LABEL = {
  stack: 'wharf.local/stack',
  app: 'wharf.local/app',
  revision: 'wharf.local/revision',
  generation: 'wharf.local/generation',
  spec: 'wharf.local/spec',
  workload: 'wharf.local/workload',
  replica: 'wharf.local/replica',
  cronJob: 'wharf.local/cronjob',
} as const;

export interface PodContext {
  /** The stack's prefix: every pod, volume, secret and network of the stack starts with it. */
  stack: string;
  app: string;
  namespace: string;
  commit: string;
  /** Names this rollout's pods apart from the ones they replace. */
  generation: string;
  /** Identifies what runs (objects, images, secret values): the same spec needs no new pods. */
  spec: string;
  /** Manifest image reference → the reference podman pulls. */
  images: ReadonlyMap<string, string>;
  /** Kubernetes Secret name → this rollout's podman secret. */
  secretNames: ReadonlyMap<string, string>;
  configMaps: readonly CheckedObject[];
  /** The podman volume behind a StatefulSet claim or a PersistentVolumeClaim; kept across rollouts. */
  volumeName(claim: string): string;
}

export interface UnitContainer {
  name: string;
  /** podman's name for it: `<pod>-<container>`. */
  podmanName: string;
  readiness?: Readiness | undefined;
  /** Why its probe can't be run here, if it can't. */
  probeProblem?: string | undefined;
}

/** One replica of one workload: a Deployment of one pod, played on its own. */
export interface PlayUnit {
  name: string;
  pod: string;
  workload: string;
  replica: number;
  yaml: string;
  aliases: string[];
  /** Container port → its 127.0.0.1 port. */
  hostPorts: Map<number, number>;
  containers: UnitContainer[];
  /** Volumes to create before the play (StatefulSet claims and PersistentVolumeClaims). */
  volumes: Array<{ name: string; uid?: number | undefined; gid?: number | undefined }>;
}

/** Pod and host names stay under 63 characters. */
const clip = (name: string, max: number) => name.slice(0, max).replace(/-+$/, '');

/** The container's spec as podman gets it: resolved image, podman secret names, no probes (polled here). */
function containerForPodman(container: IContainer, ctx: PodContext): IContainer {
  const { readinessProbe: _r, livenessProbe: _l, startupProbe: _s, ...rest } = container;
  const secret = (name: string | undefined) => (name ? (ctx.secretNames.get(name) ?? name) : name);
  return {
    ...rest,
    image: ctx.images.get(container.image ?? '') ?? container.image,
    ...(container.env
      ? {
          env: container.env.map((v) =>
            v.valueFrom?.secretKeyRef
              ? {
                  ...v,
                  valueFrom: {
                    secretKeyRef: {
                      ...v.valueFrom.secretKeyRef,
                      name: secret(v.valueFrom.secretKeyRef.name),
                    },
                  },
                }
              : v,
          ),
        }
      : {}),
    ...(container.envFrom
      ? {
          envFrom: container.envFrom.map((from) =>
            from.secretRef
              ? { ...from, secretRef: { ...from.secretRef, name: secret(from.secretRef.name) } }
              : from,
          ),
        }
      : {}),
  };
}

/** Pod volumes made per pod (emptyDir) get the pod's name: podman 4.3.1 makes them named volumes. */
function podSpecForPodman(
  spec: IPodSpec,
  ctx: PodContext,
  pod: string,
  claims: ReadonlyMap<string, string>,
): IPodSpec {
  const renamed = new Map<string, string>();
  const volumes = (spec.volumes ?? []).map((volume, index) => {
    if (volume.emptyDir) {
      const name = `${pod}-v${index}`;
      renamed.set(volume.name, name);
      return { ...volume, name };
    }
    if (volume.persistentVolumeClaim) {
      return {
        ...volume,
        persistentVolumeClaim: {
          ...volume.persistentVolumeClaim,
          claimName: ctx.volumeName(volume.persistentVolumeClaim.claimName),
        },
      };
    }
    if (volume.secret?.secretName) {
      return {
        ...volume,
        secret: {
          ...volume.secret,
          secretName: ctx.secretNames.get(volume.secret.secretName) ?? volume.secret.secretName,
        },
      };
    }
    return volume;
  });
  for (const [claim, volume] of claims)
    volumes.push({ name: claim, persistentVolumeClaim: { claimName: volume } });
  const mounts = (c: IContainer): IContainer =>
    c.volumeMounts
      ? { ...c, volumeMounts: c.volumeMounts.map((m) => ({ ...m, name: renamed.get(m.name) ?? m.name })) }
      : c;
  return {
    ...spec,
    containers: spec.containers.map((c) => mounts(containerForPodman(c, ctx))),
    ...(spec.initContainers
      ? { initContainers: spec.initContainers.map((c) => mounts(containerForPodman(c, ctx))) }
      : {}),
    ...(volumes.length ? { volumes } : {}),
  };
}

const configMapDocs = (ctx: PodContext) =>
  ctx.configMaps.map((map) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: map.metadata.name },
    ...(map.data ? { data: map.data } : {}),
    ...(map.binaryData ? { binaryData: map.binaryData } : {}),
  }));

const yamlOf = (docs: unknown[]) => docs.map((doc) => `---\n${stringify(doc)}`).join('');

/**
 * One replica of a workload as podman plays it: a one-pod Deployment named for this rollout, every
 * container port published on its own 127.0.0.1 port, the Services' names as DNS aliases.
 */
export async function playUnit(
  workload: Workload,
  replica: number,
  ctx: PodContext,
  /** The 127.0.0.1 port to publish a container port on (a StatefulSet's rollout asks for the old one). */
  allocatePort: (containerPort: number) => Promise<number>,
): Promise<PlayUnit> {
  const name = clip(`${ctx.stack}-${ctx.generation}-${clip(workload.name, 30)}-${replica}`, 55);
  const pod = `${name}-pod-0`;
  const claims = new Map(
    workload.claims.map((claim) => [claim, ctx.volumeName(`${claim}-${workload.name}-${replica}`)] as const),
  );
  const securityContext = workload.podSpec.securityContext;
  const owner = {
    uid: securityContext?.runAsUser,
    gid: securityContext?.fsGroup ?? securityContext?.runAsGroup,
  };
  const volumes = [
    ...[...claims.values()].map((volume) => ({ name: volume, ...owner })),
    ...(workload.podSpec.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [{ name: ctx.volumeName(v.persistentVolumeClaim.claimName), ...owner }] : [],
    ),
  ];

  const spec = podSpecForPodman(workload.podSpec, ctx, pod, claims);
  const hostPorts = new Map<number, number>();
  // Probe ports the container does not declare are published too: the reconciler probes from outside.
  const probePorts = (c: IContainer) =>
    [c.readinessProbe?.httpGet?.port, c.readinessProbe?.tcpSocket?.port].filter(
      (p): p is number => typeof p === 'number',
    );
  for (const [index, container] of spec.containers.entries()) {
    const original = workload.podSpec.containers[index] as IContainer;
    const ports = [...(container.ports ?? [])];
    for (const port of probePorts(original)) {
      if (!ports.some((p) => p.containerPort === port)) ports.push({ containerPort: port, protocol: 'TCP' });
    }
    for (const port of ports) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const hostPort = hostPorts.get(port.containerPort) ?? (await allocatePort(port.containerPort));
      hostPorts.set(port.containerPort, hostPort);
      port.hostPort = hostPort;
      port.hostIP = '127.0.0.1';
    }
    if (ports.length) container.ports = ports;
  }

  const labels = {
    ...workload.podLabels,
    [LABEL.stack]: ctx.stack,
    [LABEL.app]: ctx.app,
    [LABEL.revision]: ctx.commit,
    [LABEL.generation]: ctx.generation,
    [LABEL.spec]: ctx.spec,
    [LABEL.workload]: workload.name,
    [LABEL.replica]: String(replica),
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { [LABEL.stack]: ctx.stack, [LABEL.app]: ctx.app } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [LABEL.generation]: ctx.generation, [LABEL.workload]: workload.name } },
      template: { metadata: { labels }, spec },
    },
  };

  const domains = (service: string) => [
    service,
    `${service}.${ctx.namespace}`,
    `${service}.${ctx.namespace}.svc`,
    `${service}.${ctx.namespace}.svc.cluster.local`,
  ];
  const aliases = workload.services.flatMap((service) => [
    ...domains(service),
    // A StatefulSet's pods also answer to `<pod>.<service>`, their stable names.
    ...(workload.kind === 'StatefulSet'
      ? domains(service).map((d) => `${workload.name}-${replica}.${d}`)
      : []),
  ]);

  const containers = workload.podSpec.containers.map((original) => {
    const readiness = readinessOf(original.readinessProbe, original, (port) => hostPorts.get(port));
    return {
      name: original.name,
      podmanName: `${pod}-${original.name}`,
      ...(typeof readiness === 'string' ? { probeProblem: readiness } : { readiness }),
    };
  });

  return {
    name,
    pod,
    workload: workload.name,
    replica,
    yaml: yamlOf([...configMapDocs(ctx), deployment]),
    aliases,
    hostPorts,
    containers,
    volumes,
  };
}

/** A CronJob's run: a Pod that runs once (restartPolicy Never), named for the run. */
export function cronPod(job: CronJobPlan, ctx: PodContext, run: string): { pod: string; yaml: string } {
  const pod = clip(`${ctx.stack}-cj-${clip(job.name, 30)}-${run}`, 60);
  const labels = {
    [LABEL.stack]: ctx.stack,
    [LABEL.app]: ctx.app,
    [LABEL.revision]: ctx.commit,
    [LABEL.generation]: ctx.generation,
    [LABEL.cronJob]: job.name,
  };
  const spec = podSpecForPodman(job.podSpec, ctx, pod, new Map());
  return {
    pod,
    yaml: yamlOf([
      ...configMapDocs(ctx),
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, labels }, spec },
    ]),
  };
}
