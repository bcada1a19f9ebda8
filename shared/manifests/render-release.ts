import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ImageRef } from '../deploy.ts';
import type {
  Autoscaling,
  DatabaseProject,
  MicroservicesProject,
  MonolithProject,
  StoredEnvVar,
} from '../domain.ts';
import { type EnvironmentConfig, effectiveEnv, environmentConfig } from '../environments.ts';
import { invalid } from '../errors.ts';
import { dnsLabel, workspaceNamespace } from '../naming.ts';
import type { DatabaseEngine } from '../schemas/project.ts';
import {
  APPS_ROOT,
  appName,
  argoProjectName,
  environmentHost,
  gitopsPath,
  MANIFESTS_FILE,
  RELEASE_FILE,
  VALUES_FILE,
} from './names.ts';
import type {
  ExternalSecretsApiVersion,
  ReleaseIdentity,
  ReleaseRenderInput,
  RenderedRelease,
} from './types.ts';
import {
  appAutoscaler,
  appDeployment,
  appIngress,
  appService,
  databaseStatefulSet,
  envVars,
  externalSecret,
  headlessService,
  httpProbes,
  type KubeObject,
  type Labels,
  type ObjectContext,
  tcpProbes,
} from './workloads.ts';
import { toJson, toYaml, toYamlDocuments } from './yaml.ts';

export const EXTERNAL_SECRETS_API_VERSION: ExternalSecretsApiVersion = 'external-secrets.io/v1';

/** Where a database's password lives in the secret store; Wharf puts it there before the first deploy. */
export const databasePasswordRef = (workspaceId: string, projectId: string) =>
  `wharf/${workspaceId}/${projectId}/database-password`;

interface EngineSpec {
  image: string;
  port: number;
  /** Where the volume is mounted: the engine's data directory, or its parent where the engine wants a subfolder. */
  dataPath: string;
  passwordEnv: string;
  env?: Array<{ name: string; value: string }>;
  args?: string[];
  readiness?: IProbe;
  sharedMemory?: string;
}

/**
 * Per engine: official image, port and data location. Every official image runs as uid 999 when not
 * started as root. Notes on data paths:
 * - postgres: the volume is /var/lib/postgresql; images ≤17 keep data in ./data, 18+ in ./<major>/docker,
 *   both below the mount, and neither trips over the volume's lost+found.
 * - mysql: refuses to initialize a non-empty datadir (lost+found), so data goes to a subfolder.
 * - redis has no password variable; the password is passed as an argument from the env var.
 */
const ENGINES: Record<DatabaseEngine, EngineSpec> = {
  postgres: {
    image: 'postgres',
    port: 5432,
    dataPath: '/var/lib/postgresql',
    passwordEnv: 'POSTGRES_PASSWORD',
    readiness: {
      exec: { command: ['pg_isready', '-U', 'postgres', '-h', '127.0.0.1', '-p', '5432'] },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    sharedMemory: '256Mi',
  },
  mysql: {
    image: 'mysql',
    port: 3306,
    dataPath: '/var/lib/mysql',
    passwordEnv: 'MYSQL_ROOT_PASSWORD',
    args: ['--datadir=/var/lib/mysql/data'],
    readiness: {
      // mysqladmin ping succeeds whenever the server answers, even with access denied.
      exec: { command: ['mysqladmin', 'ping', '-h', '127.0.0.1'] },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
  },
  redis: {
    image: 'redis',
    port: 6379,
    dataPath: '/data',
    passwordEnv: 'REDIS_PASSWORD',
    args: ['--requirepass', '$(REDIS_PASSWORD)', '--appendonly', 'yes', '--dir', '/data'],
  },
  mongodb: {
    image: 'mongo',
    port: 27017,
    dataPath: '/data/db',
    passwordEnv: 'MONGO_INITDB_ROOT_PASSWORD',
    env: [{ name: 'MONGO_INITDB_ROOT_USERNAME', value: 'root' }],
  },
};

const DATABASE_UID = 999;

/** The engine image a database project runs, e.g. `postgres:16`. */
export function databaseImage(project: Pick<DatabaseProject, 'engine' | 'version'>): string {
  return `${ENGINES[project.engine].image}:${project.version}`;
}

/** The in-cluster address other apps use to reach a database. */
export function databaseAddress(project: Pick<DatabaseProject, 'engine' | 'name'>, namespace: string) {
  return {
    host: `${dnsLabel([project.name])}.${namespace}.svc.cluster.local`,
    port: ENGINES[project.engine].port,
  };
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,}$/;

/** `reference@digest`, so the cluster runs exactly the image that was built, whatever its tag says later. */
export function pinnedImage(image: ImageRef): string {
  if (!image.reference) throw invalid('release.invalid_image', 'The release has no image reference.');
  if (image.reference.includes('@') || !image.digest) return image.reference;
  if (!DIGEST.test(image.digest)) {
    throw invalid('release.invalid_image', `The image digest "${image.digest}" is not a digest (sha256:…).`);
  }
  return `${image.reference}@${image.digest}`;
}

/** Splits `registry/repo:tag@digest` into its parts, for values.yaml. */
export function describeImage(image: ImageRef) {
  const [named = '', inlineDigest] = image.reference.split('@');
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? named.slice(0, colon) : named,
    ...(hasTag ? { tag: named.slice(colon + 1) } : {}),
    ...(image.digest || inlineDigest ? { digest: image.digest || inlineDigest } : {}),
  };
}

interface Context extends ObjectContext {
  input: ReleaseRenderInput;
  /** The environment's effective settings (shared/environments.ts). */
  config: EnvironmentConfig;
  /** The variables the environment runs with: the project's, overridden by the environment's. */
  env: StoredEnvVar[];
  appName: string;
  /** Name-and-instance labels used as selectors: stable across releases (selectors are immutable). */
  selector: Labels;
}

interface Rendered {
  objects: KubeObject[];
  host?: string | undefined;
  images: Record<string, string>;
  values: Record<string, unknown>;
}

/** The ExternalSecret that turns the project's secret env references into one Secret, if any. */
function envSecret(ctx: Context, name: string, env: readonly StoredEnvVar[]): KubeObject[] {
  const secrets = env.flatMap((v) => (v.secret ? [{ secretKey: v.name, key: v.secretRef }] : []));
  if (!secrets.length) return [];
  return [
    externalSecret(ctx, {
      name,
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      secretStore: ctx.input.platform.secretStore,
      labels: ctx.selector,
      data: secrets,
    }),
  ];
}

const envNamesOf = (env: readonly StoredEnvVar[]) => ({
  env: env.filter((v) => !v.secret).map((v) => v.name),
  secretEnv: env.filter((v) => v.secret).map((v) => v.name),
});

/** The environment's host: its custom domain (production's is the project's), or the generated one. */
function hostOf(ctx: Context, project: MonolithProject | MicroservicesProject): string {
  return environmentHost({
    project,
    workspace: ctx.input.workspace,
    environment: ctx.input.environment,
    platformDomain: ctx.input.platform.domain,
  });
}

/**
 * How a workload scales in this environment. With the environment's autoscaling set, its
 * HorizontalPodAutoscaler owns the count and the Deployment gets none. Without, the replicas are
 * fixed on the Deployment, and a monolith keeps the autoscaler it always had (from its replicas to
 * three times as many, at 70% CPU), so projects from before environments render as they did.
 */
function scalingOf(config: EnvironmentConfig, fallbackReplicas: number) {
  const replicas = config.replicas ?? fallbackReplicas;
  if (config.autoscaling) return { autoscaling: config.autoscaling, replicas: undefined };
  return {
    replicas,
    autoscaling: undefined,
    defaultAutoscaling: {
      minReplicas: replicas,
      maxReplicas: Math.max(3, replicas * 3),
      targetCpuPercent: 70,
    },
  };
}

const autoscalingValues = (a: Autoscaling) => ({
  minReplicas: a.minReplicas,
  maxReplicas: a.maxReplicas,
  targetCPUUtilizationPercentage: a.targetCpuPercent,
});

function renderMonolith(ctx: Context, project: MonolithProject): Rendered {
  const name = dnsLabel([project.name]);
  const host = hostOf(ctx, project);
  const image = pinnedImage(ctx.input.image);
  const secretName = dnsLabel([name, 'env']);
  const scaling = scalingOf(ctx.config, project.replicas);
  const hpa = scaling.autoscaling ?? scaling.defaultAutoscaling;
  const objects: KubeObject[] = [
    ...envSecret(ctx, secretName, ctx.env),
    appDeployment(ctx, {
      name,
      selector: ctx.selector,
      podLabels: ctx.selector,
      image,
      port: project.port,
      replicas: scaling.replicas,
      env: envVars(ctx.env, secretName),
      ...httpProbes(project.healthCheckPath, project.port),
    }),
    appService(ctx, { name, selector: ctx.selector }),
    appIngress(ctx, {
      name,
      labels: ctx.selector,
      host,
      serviceName: name,
      clusterIssuer: ctx.input.platform.clusterIssuer,
      ingressClassName: ctx.input.platform.ingressClassName,
    }),
    appAutoscaler(ctx, { name, labels: ctx.selector, deployment: name, ...hpa }),
  ];
  return {
    objects,
    host,
    images: { [project.name]: image },
    values: {
      image: describeImage(ctx.input.image),
      host,
      port: project.port,
      ...(scaling.replicas === undefined ? {} : { replicas: scaling.replicas }),
      autoscaling: autoscalingValues(hpa),
      healthCheckPath: project.healthCheckPath,
      ...envNamesOf(ctx.env),
    },
  };
}

function renderMicroservices(ctx: Context, project: MicroservicesProject): Rendered {
  const entry = project.services.find((s) => s.entry);
  if (!entry)
    throw invalid('release.no_entry_service', 'The project has no entry service to route traffic to.');
  const host = hostOf(ctx, project);
  const secretName = dnsLabel([project.name, 'env']);
  const env = envVars(ctx.env, secretName);
  const scaling = scalingOf(ctx.config, 1);
  const objects: KubeObject[] = [...envSecret(ctx, secretName, ctx.env)];
  const images: Record<string, string> = {};
  const services: Array<Record<string, unknown>> = [];
  let entryServiceName = '';
  for (const service of project.services) {
    const name = dnsLabel([project.name, service.name]);
    const selector = { ...ctx.selector, 'app.kubernetes.io/component': service.name };
    const imageRef = ctx.input.images?.[service.name] ?? ctx.input.image;
    const image = pinnedImage(imageRef);
    images[service.name] = image;
    if (service.entry) entryServiceName = name;
    objects.push(
      appDeployment(ctx, {
        name,
        selector,
        podLabels: selector,
        image,
        port: service.port,
        replicas: scaling.replicas,
        env,
        ...tcpProbes(service.port),
      }),
      appService(ctx, { name, selector }),
      // Each service scales on its own load, within the environment's bounds.
      ...(scaling.autoscaling
        ? [appAutoscaler(ctx, { name, labels: selector, deployment: name, ...scaling.autoscaling })]
        : []),
    );
    services.push({
      name: service.name,
      path: service.path,
      port: service.port,
      ...(service.entry ? { entry: true } : {}),
      address: `${name}.${ctx.namespace}.svc.cluster.local:80`,
      image: describeImage(imageRef),
    });
  }
  objects.push(
    appIngress(ctx, {
      name: dnsLabel([project.name]),
      labels: ctx.selector,
      host,
      serviceName: entryServiceName,
      clusterIssuer: ctx.input.platform.clusterIssuer,
      ingressClassName: ctx.input.platform.ingressClassName,
    }),
  );
  return {
    objects,
    host,
    images,
    values: {
      host,
      entry: entry.name,
      ...(scaling.autoscaling ? { autoscaling: autoscalingValues(scaling.autoscaling) } : {}),
      ...(ctx.config.replicas === undefined ? {} : { replicas: ctx.config.replicas }),
      services,
      ...envNamesOf(ctx.env),
    },
  };
}

function renderDatabase(ctx: Context, project: DatabaseProject): Rendered {
  const engine = ENGINES[project.engine];
  const name = dnsLabel([project.name]);
  const credentials = dnsLabel([name, 'credentials']);
  const secretName = dnsLabel([name, 'env']);
  const tagged = databaseImage(project);
  // The workflow may pin the engine image it resolved; any other image is not this database's.
  const image =
    ctx.input.image.reference === tagged && ctx.input.image.digest ? pinnedImage(ctx.input.image) : tagged;
  const engineEnv: IEnvVar[] = [
    ...(engine.env ?? []),
    { name: engine.passwordEnv, valueFrom: { secretKeyRef: { name: credentials, key: 'password' } } },
  ];
  const reserved = new Set(engineEnv.map((v) => v.name));
  // The project's own variables come after the engine's and can't replace them (the password above all).
  const userEnv = ctx.env.filter((v) => !reserved.has(v.name));
  const portName = project.engine === 'mongodb' ? 'mongodb' : project.engine;
  const objects: KubeObject[] = [
    externalSecret(ctx, {
      name: credentials,
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      secretStore: ctx.input.platform.secretStore,
      labels: ctx.selector,
      data: [{ secretKey: 'password', key: databasePasswordRef(ctx.input.workspace.id, project.id) }],
    }),
    ...envSecret(ctx, secretName, userEnv),
    headlessService(ctx, { name, selector: ctx.selector, port: engine.port, portName }),
    databaseStatefulSet(ctx, {
      name,
      serviceName: name,
      selector: ctx.selector,
      podLabels: ctx.selector,
      image,
      port: engine.port,
      portName,
      dataPath: engine.dataPath,
      storage: project.storage,
      uid: DATABASE_UID,
      env: [...engineEnv, ...envVars(userEnv, secretName)],
      args: engine.args,
      readiness: engine.readiness ?? tcpProbes(engine.port).readiness,
      liveness: {
        tcpSocket: { port: engine.port },
        periodSeconds: 10,
        timeoutSeconds: 3,
        failureThreshold: 6,
      },
      sharedMemory: engine.sharedMemory,
    }),
  ];
  const address = databaseAddress(project, ctx.namespace);
  return {
    objects,
    images: { [project.name]: image },
    values: {
      engine: project.engine,
      version: project.version,
      image: describeImage({ reference: tagged, digest: image === tagged ? '' : ctx.input.image.digest }),
      address: `${address.host}:${address.port}`,
      storage: project.storage,
      passwordSecret: databasePasswordRef(ctx.input.workspace.id, project.id),
      ...envNamesOf(userEnv),
    },
  };
}

/**
 * Renders one release of a project into the three files of its GitOps folder. Pure and deterministic:
 * the same input gives byte-identical files, so committing an unchanged release changes nothing.
 * Secret values never appear; secret env vars become ExternalSecret references.
 */
export function renderRelease(input: ReleaseRenderInput): RenderedRelease {
  const { workspace, project, environment, release } = input;
  if (project.workspaceId !== workspace.id) {
    throw invalid('release.workspace_mismatch', `Project ${project.id} is not in workspace ${workspace.id}.`);
  }
  if (!Number.isInteger(release.number) || release.number < 1) {
    throw invalid('release.invalid_number', 'Release numbers start at 1.');
  }
  const name = appName({ workspaceId: workspace.id, projectName: project.name, environment });
  const namespace = workspaceNamespace(workspace, environment);
  const path = gitopsPath({
    workspaceId: workspace.id,
    userId: project.createdBy,
    projectName: project.name,
    environment,
  });
  const env = effectiveEnv(project, environment);
  const ctx: Context = {
    input,
    config: environmentConfig(project, environment),
    env,
    appName: name,
    namespace,
    selector: { 'app.kubernetes.io/name': dnsLabel([project.name]), 'app.kubernetes.io/instance': name },
    labels: {
      'app.kubernetes.io/name': dnsLabel([project.name]),
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/part-of': 'wharf',
      'app.kubernetes.io/managed-by': 'wharf',
      'wharf.dev/workspace': workspace.id,
      'wharf.dev/project': project.id,
      'wharf.dev/environment': environment,
      'wharf.dev/release': release.id,
    },
    annotations: { 'wharf.dev/release-number': String(release.number), 'wharf.dev/run': release.runId },
  };

  const rendered =
    project.type === 'monolith'
      ? renderMonolith(ctx, project)
      : project.type === 'microservices'
        ? renderMicroservices(ctx, project)
        : renderDatabase(ctx, project);

  const identity: ReleaseIdentity = {
    appName: name,
    namespace,
    project: argoProjectName(workspace.id),
    appPath: path,
    workspaceId: workspace.id,
    projectId: project.id,
    projectName: project.name,
    environment,
    releaseId: release.id,
    releaseNumber: release.number,
    runId: release.runId,
  };
  const values = [
    `# Desired state of ${project.name} (${environment}), release ${release.number}.\n`,
    '# Written by Wharf; manifests.yaml is rendered from the same input. Edits here are overwritten.\n',
    toYaml({
      app: name,
      project: project.name,
      type: project.type,
      workspace: workspace.id,
      environment,
      namespace,
      release: { id: release.id, number: release.number, runId: release.runId },
      ...rendered.values,
    }),
  ].join('');
  const manifests = toYamlDocuments(
    rendered.objects,
    `# Rendered by Wharf for ${name}, release ${release.number}. Argo CD applies exactly this file.\n`,
  );
  const host = rendered.host;
  return {
    path,
    appName: name,
    namespace,
    argoProject: identity.project,
    host,
    liveUrl: host ? (input.platform.liveUrl?.(host) ?? `https://${host}`) : undefined,
    values,
    envNames: env.map((v) => v.name),
    images: rendered.images,
    identity,
    files: [
      { path: `${path}/${RELEASE_FILE}`, content: toJson(identity) },
      { path: `${path}/${VALUES_FILE}`, content: values },
      { path: `${path}/${MANIFESTS_FILE}`, content: manifests },
    ],
  };
}

/** The glob the ApplicationSet's files generator uses; one `*` per folder level below apps/. */
export const RELEASE_GLOB = `${APPS_ROOT}/*/*/*/*/${RELEASE_FILE}`;
