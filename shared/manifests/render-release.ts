import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { credentialsOf, DEFAULT_BACKUP, ENGINE_PORTS } from '../databases.ts';
import type { ImageRef } from '../deploy.ts';
import type {
  Autoscaling,
  DatabaseProject,
  MicroservicesProject,
  MonolithProject,
  Service,
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
  liveHost,
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
  containerSecurity,
  cronJob,
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

/** A database environment's user, database and secret refs (shared/databases.ts `credentialsOf`). */
type Credentials = ReturnType<typeof credentialsOf>;

interface EngineSpec {
  image: string;
  port: number;
  /** Where the volume is mounted: the engine's data directory, or its parent where the engine wants a subfolder. */
  dataPath: string;
  /** The variables that make the engine's user, database and password (the password from `secret`). */
  env(c: Credentials, secret: IEnvVarSource): IEnvVar[];
  args?: string[];
  readiness?(c: Credentials): IProbe;
  /** Makes the engine take the current password on a data folder made with an earlier one. */
  applyPassword?: string[];
  sharedMemory?: string;
  /** The production backup: what the file ends with and the shell that dumps into "$FILE". */
  backup: { ext: string; passwordEnv: string; dump(c: Credentials): string };
}

interface IEnvVarSource {
  secretKeyRef: { name: string; key: string };
}

const probe = (command: string[]): IProbe => ({
  exec: { command },
  periodSeconds: 5,
  timeoutSeconds: 3,
  failureThreshold: 3,
});

/**
 * Per engine: official image, port, data location, how its user and database are made, and how it is
 * dumped. Every official image runs as uid 999 when not started as root. Notes:
 * - postgres: the volume is /var/lib/postgresql; images ≤17 keep data in ./data, 18+ in ./<major>/docker,
 *   both below the mount, and neither trips over the volume's lost+found. POSTGRES_USER/POSTGRES_DB
 *   and the password only act when the data folder is first made: a rotation on an existing one
 *   reaches the engine through the rotation itself (shared/use-cases/databases.ts), or on the local
 *   platform through its image, which applies the password at every start.
 * - mysql: refuses to initialize a non-empty datadir (lost+found), so data goes to a subfolder.
 *   MYSQL_USER may not be root (the image refuses it): a database from before credentials, whose
 *   user is root, gets only the root password.
 * - redis has no password variable; the password is passed as an argument from the env var, and its
 *   one user is `default`.
 * - mongodb: the user is the root user of the admin database (connection strings say authSource=admin).
 */
const ENGINES: Record<DatabaseEngine, EngineSpec> = {
  postgres: {
    image: 'postgres',
    port: ENGINE_PORTS.postgres,
    dataPath: '/var/lib/postgresql',
    env: (c, secret) => [
      { name: 'POSTGRES_USER', value: c.user },
      { name: 'POSTGRES_DB', value: c.database },
      { name: 'POSTGRES_PASSWORD', valueFrom: secret },
    ],
    readiness: (c) => probe(['pg_isready', '-U', c.user, '-d', c.database, '-h', '127.0.0.1', '-p', '5432']),
    // The image sets the password only when it makes the data folder; after a rotation the server
    // still has the old one. Local socket connections are trusted (initdb's default, kept by the image),
    // so once it answers the user sets its own password to the current one. Never fails the
    // container: a server that is not up within a minute is the probes' to report.
    applyPassword: [
      'sh',
      '-c',
      [
        'for i in $(seq 60); do pg_isready -q -h /var/run/postgresql && break; sleep 1; done',
        `printf '%s\\n' "ALTER ROLE CURRENT_USER PASSWORD :'pw';" | psql -q -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 -v pw="$POSTGRES_PASSWORD" >/dev/null 2>&1 || true`,
      ].join('; '),
    ],
    sharedMemory: '256Mi',
    backup: {
      ext: 'sql',
      passwordEnv: 'PGPASSWORD',
      dump: () => 'pg_dump -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" --no-owner -f "$PART"',
    },
  },
  mysql: {
    image: 'mysql',
    port: ENGINE_PORTS.mysql,
    dataPath: '/var/lib/mysql',
    env: (c, secret) => [
      ...(c.user === 'root'
        ? []
        : [
            { name: 'MYSQL_USER', value: c.user },
            { name: 'MYSQL_PASSWORD', valueFrom: secret },
          ]),
      { name: 'MYSQL_DATABASE', value: c.database },
      { name: 'MYSQL_ROOT_PASSWORD', valueFrom: secret },
    ],
    args: ['--datadir=/var/lib/mysql/data'],
    // mysqladmin ping succeeds whenever the server answers, even with access denied.
    readiness: (c) => probe(['mysqladmin', 'ping', '-h', '127.0.0.1', '-u', c.user]),
    backup: {
      ext: 'sql',
      // Both clients read the password from MYSQL_PWD, so it is in no command line.
      passwordEnv: 'MYSQL_PWD',
      dump: (c) =>
        // MySQL's images have mysqldump, MariaDB's mariadb-dump (and mysqldump as a link until 11).
        `"$(command -v mariadb-dump || command -v mysqldump)" -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" --single-transaction --routines --events ${c.user === 'root' ? '--all-databases' : '--databases "$DB_NAME"'} > "$PART"`,
    },
  },
  redis: {
    image: 'redis',
    port: ENGINE_PORTS.redis,
    dataPath: '/data',
    env: (_c, secret) => [{ name: 'REDIS_PASSWORD', valueFrom: secret }],
    args: ['--requirepass', '$(REDIS_PASSWORD)', '--appendonly', 'yes', '--dir', '/data'],
    // redis-cli reads the password from REDISCLI_AUTH; a PONG means the password was accepted.
    readiness: () =>
      probe(['sh', '-c', 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 ping | grep -q PONG']),
    backup: {
      ext: 'rdb',
      passwordEnv: 'REDISCLI_AUTH',
      dump: () => 'redis-cli -h "$DB_HOST" -p "$DB_PORT" --rdb "$PART"',
    },
  },
  mongodb: {
    image: 'mongo',
    port: ENGINE_PORTS.mongodb,
    dataPath: '/data/db',
    env: (c, secret) => [
      { name: 'MONGO_INITDB_ROOT_USERNAME', value: c.user },
      { name: 'MONGO_INITDB_DATABASE', value: c.database },
      { name: 'MONGO_INITDB_ROOT_PASSWORD', valueFrom: secret },
    ],
    backup: {
      ext: 'archive.gz',
      passwordEnv: 'MONGO_PASSWORD',
      dump: () =>
        'mongodump --host "$DB_HOST" --port "$DB_PORT" --username "$DB_USER" --password "$MONGO_PASSWORD" --authenticationDatabase admin --archive="$PART" --gzip',
    },
  },
};

/** The image that copies a dump to S3 in s3 backup mode: AWS's own CLI image, pinned to a version. */
export const AWS_CLI_IMAGE = 'amazon/aws-cli:2.22.35';

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

/** A microservice's in-cluster URL, as its siblings get it (`<SERVICE>_URL`) and values.yaml lists it. */
export function microserviceUrl(
  project: Pick<MicroservicesProject, 'name'>,
  service: Pick<Service, 'name' | 'port'>,
  namespace: string,
): string {
  return `http://${dnsLabel([project.name, service.name])}.${namespace}.svc.cluster.local${service.port === 80 ? '' : `:${service.port}`}`;
}

/** The variable a sibling's URL is in: `orders-api` → `ORDERS_API_URL`. */
export const serviceUrlEnv = (service: Pick<Service, 'name'>) =>
  `${service.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;

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

/**
 * The environment's hosts: `host` is where its live URL points (the custom domain when set, else the
 * generated one); `platformHost` is the generated one, which keeps serving next to a custom domain.
 */
function hostsOf(
  ctx: Context,
  project: MonolithProject | MicroservicesProject,
): { host: string; platformHost: string; domain?: string | undefined } {
  const base = {
    workspace: ctx.input.workspace,
    environment: ctx.input.environment,
    platformDomain: ctx.input.platform.domain,
  };
  const host = environmentHost({ ...base, project });
  const platformHost = liveHost({ ...base, project: { name: project.name } });
  return { host, platformHost, ...(host === platformHost ? {} : { domain: host }) };
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
  const { host, platformHost, domain } = hostsOf(ctx, project);
  const image = pinnedImage(ctx.input.image);
  const secretName = dnsLabel([name, 'env']);
  const scaling = scalingOf(ctx.config, project.replicas);
  const hpa = scaling.autoscaling ?? scaling.defaultAutoscaling;
  const bindings = bindingsOf(ctx, name);
  const objects: KubeObject[] = [
    ...envSecret(ctx, secretName, ctx.env),
    ...bindings.objects,
    appDeployment(ctx, {
      name,
      selector: ctx.selector,
      podLabels: ctx.selector,
      image,
      port: project.port,
      replicas: scaling.replicas,
      env: withPlatformEnv(ctx, secretName, bindings.env, new Set(bindings.env.map((v) => v.name))),
      ...httpProbes(project.healthCheckPath, project.port),
    }),
    appService(ctx, { name, selector: ctx.selector }),
    appIngress(ctx, {
      name,
      labels: ctx.selector,
      host: platformHost,
      domain,
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
      ...(bindings.values.length ? { databases: bindings.values } : {}),
    },
  };
}

/**
 * Spring Boot's defaults on the JVM: the active profile is the environment, and the heap is sized
 * from the container's memory limit. MaxRAMPercentage (the JVM reads the cgroup limit) follows the
 * limit if it changes, where a fixed -Xmx would not; 75% leaves the rest for metaspace, thread stacks,
 * direct buffers and the code cache, so the kernel does not kill the pod before the JVM sees the heap fill.
 */
const springEnv = (environment: string): IEnvVar[] => [
  { name: 'SPRING_PROFILES_ACTIVE', value: environment },
  // Of APP_MEMORY_LIMIT (workloads.ts), the limit every app container gets.
  { name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError' },
];

/**
 * One Deployment and Service per service; the entry service gets the Ingress. Every service gets,
 * in this order: the platform's SPRING_PROFILES_ACTIVE and JAVA_TOOL_OPTIONS (the project's own
 * variables of those names replace them), `<SIBLING>_URL` for every other service and the bound
 * databases' variables (those the project's variables can't replace: the platform owns where they
 * point), then the project's variables.
 */
function renderMicroservices(ctx: Context, project: MicroservicesProject): Rendered {
  const entry = project.services.find((s) => s.entry);
  if (!entry)
    throw invalid('release.no_entry_service', 'The project has no entry service to route traffic to.');
  const { host, platformHost, domain } = hostsOf(ctx, project);
  const secretName = dnsLabel([project.name, 'env']);
  const scaling = scalingOf(ctx.config, 1);
  const bindings = bindingsOf(ctx, dnsLabel([project.name]));
  const objects: KubeObject[] = [...envSecret(ctx, secretName, ctx.env), ...bindings.objects];
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
    const siblings: IEnvVar[] = project.services
      .filter((s) => s.name !== service.name)
      .map((s) => ({ name: serviceUrlEnv(s), value: microserviceUrl(project, s, ctx.namespace) }));
    const fixed = [...siblings, ...bindings.env];
    const env = withPlatformEnv(
      ctx,
      secretName,
      [...springEnv(ctx.input.environment), ...fixed],
      new Set(fixed.map((v) => v.name)),
    );
    // Services from before readiness/liveness paths existed keep their TCP probes.
    const tcp = tcpProbes(service.port);
    const probes = {
      readiness: service.readinessPath
        ? httpProbes(service.readinessPath, service.port).readiness
        : tcp.readiness,
      liveness: service.livenessPath ? httpProbes(service.livenessPath, service.port).liveness : tcp.liveness,
    };
    objects.push(
      appDeployment(ctx, {
        name,
        selector,
        podLabels: selector,
        image,
        port: service.port,
        replicas: scaling.replicas,
        env,
        ...probes,
      }),
      appService(ctx, { name, selector, directPort: service.port }),
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
      url: microserviceUrl(project, service, ctx.namespace),
      address: `${name}.${ctx.namespace}.svc.cluster.local:80`,
      ...(service.readinessPath ? { readinessPath: service.readinessPath } : {}),
      ...(service.livenessPath ? { livenessPath: service.livenessPath } : {}),
      image: describeImage(imageRef),
    });
  }
  objects.push(
    appIngress(ctx, {
      name: dnsLabel([project.name]),
      labels: ctx.selector,
      host: platformHost,
      domain,
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
      ...(bindings.values.length ? { databases: bindings.values } : {}),
    },
  };
}

/** The connection URL secrets of the databases the project is bound to, for this environment. */
function bindingsOf(ctx: Context, name: string) {
  const bound = ctx.input.databases ?? [];
  const data = bound.map(({ binding, project }) => {
    const urlRef = project.credentials?.[ctx.input.environment]?.urlRef;
    if (!urlRef) {
      throw invalid(
        'release.database_not_ready',
        `Database ${project.name} has no ${ctx.input.environment} credentials for ${binding.env}: deploy it (or rotate its ${ctx.input.environment} password) first, then deploy this project again.`,
      );
    }
    return { secretKey: binding.env, key: urlRef };
  });
  const secretName = dnsLabel([name, 'databases']);
  return {
    objects: data.length
      ? [
          externalSecret(ctx, {
            name: secretName,
            apiVersion: EXTERNAL_SECRETS_API_VERSION,
            secretStore: ctx.input.platform.secretStore,
            labels: ctx.selector,
            data,
          }),
        ]
      : [],
    env: data.map(
      (d): IEnvVar => ({
        name: d.secretKey,
        valueFrom: { secretKeyRef: { name: secretName, key: d.secretKey } },
      }),
    ),
    values: bound.map(({ binding, project }) => ({
      env: binding.env,
      database: project.name,
      secret: project.credentials?.[ctx.input.environment]?.urlRef,
    })),
  };
}

/** The app's variables with the platform's in front; a project variable of a `fixed` name is dropped. */
function withPlatformEnv(ctx: Context, secretName: string, platform: IEnvVar[], fixed: ReadonlySet<string>) {
  const own = ctx.env.filter((v) => !fixed.has(v.name));
  const ownNames = new Set(own.map((v) => v.name));
  return [...platform.filter((v) => fixed.has(v.name) || !ownNames.has(v.name)), ...envVars(own, secretName)];
}

/**
 * A production database's backup CronJob. It dumps with the engine's own image (its dump tool matches
 * the server), reaching the database by its Service name, with the password from the credentials
 * Secret in an env var (never on a command line that `ps` shows, where the tool allows). Files are named
 * `<workspaceId>/<projectId>/production/<UTC yyyymmddThhmmssZ>.<ext>`: the backups list reads exactly
 * that layout. The dump is written to a `.partial` name and renamed, so a listing never shows half a
 * file, and only the newest `retain` are kept.
 */
function backupJob(ctx: Context, project: DatabaseProject, image: string, c: Credentials): KubeObject[] {
  const backups = ctx.input.platform.backups;
  if (ctx.input.environment !== 'production' || !backups) return [];
  const engine = ENGINES[project.engine];
  const settings = project.backup ?? DEFAULT_BACKUP;
  const name = dnsLabel([project.name, 'backup']);
  const prefix = `${ctx.input.workspace.id}/${project.id}/production`;
  const labels = { ...ctx.selector, 'app.kubernetes.io/component': 'backup' };
  const env: IEnvVar[] = [
    { name: 'DB_HOST', value: dnsLabel([project.name]) },
    { name: 'DB_PORT', value: String(engine.port) },
    { name: 'DB_USER', value: c.user },
    { name: 'DB_NAME', value: c.database },
    {
      name: engine.backup.passwordEnv,
      valueFrom: { secretKeyRef: { name: dnsLabel([project.name, 'credentials']), key: 'password' } },
    },
  ];
  const ext = engine.backup.ext;
  const stamp = 'STAMP="$(date -u +%Y%m%dT%H%M%SZ)"';
  /** Deletes all but the newest `retain` backups among the names read from stdin. */
  const keepNewest = `grep '\\.${ext.replace('.', '\\.')}$' | sort -r | tail -n +${settings.retain + 1}`;
  const runAs = { ...containerSecurity, runAsUser: DATABASE_UID, runAsGroup: DATABASE_UID };
  const dumpContainer = (name: string, dir: string, then: string[]) => ({
    name,
    image,
    imagePullPolicy: 'IfNotPresent' as const,
    command: ['/bin/sh', '-c'],
    args: [
      [
        'set -eu',
        `DIR=${dir}`,
        stamp,
        `FILE="$DIR/$STAMP.${ext}"`,
        'PART="$DIR/.$STAMP.partial"',
        engine.backup.dump(c),
        'mv "$PART" "$FILE"',
        'echo "backed up to $(basename "$FILE") ($(wc -c < "$FILE") bytes)"',
        ...then,
      ].join('\n'),
    ],
    env,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext: runAs,
  });
  const podSecurity = {
    runAsNonRoot: true,
    runAsUser: DATABASE_UID,
    runAsGroup: DATABASE_UID,
    fsGroup: DATABASE_UID,
    seccompProfile: { type: 'RuntimeDefault' as const },
  };
  if (backups.kind === 'hostPath') {
    const dir = `/backups/${prefix}`;
    return [
      cronJob(ctx, {
        name,
        labels,
        schedule: settings.schedule,
        podSpec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // A host folder is not made writable by fsGroup: a root step makes the project's folder the
          // dump's (uid 999) and nothing else; the dump itself runs unprivileged.
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [
            {
              name: 'prepare',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c'],
              args: [`mkdir -p ${dir} && chown ${DATABASE_UID}:${DATABASE_UID} ${dir}`],
              securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], add: ['CHOWN'] },
              },
              volumeMounts: [{ name: 'backups', mountPath: '/backups' }],
            },
          ],
          containers: [
            {
              ...dumpContainer('backup', dir, [
                `ls -1 "$DIR" | ${keepNewest} | while read -r old; do rm -f "$DIR/$old"; echo "removed $old (keeping ${settings.retain})"; done`,
              ]),
              volumeMounts: [{ name: 'backups', mountPath: '/backups' }],
            },
          ],
          volumes: [{ name: 'backups', hostPath: { path: backups.path, type: 'DirectoryOrCreate' } }],
        },
      }),
    ];
  }
  const target = `s3://${backups.bucket}/${prefix}`;
  const region = backups.region ? [{ name: 'AWS_REGION', value: backups.region }] : [];
  return [
    cronJob(ctx, {
      name,
      labels,
      schedule: settings.schedule,
      podSpec: {
        // IRSA: the service account's role may write the bucket; the token is what the CLI signs with.
        serviceAccountName: backups.serviceAccount,
        automountServiceAccountToken: true,
        enableServiceLinks: false,
        securityContext: podSecurity,
        initContainers: [
          { ...dumpContainer('dump', '/dump', []), volumeMounts: [{ name: 'dump', mountPath: '/dump' }] },
        ],
        containers: [
          {
            name: 'upload',
            image: AWS_CLI_IMAGE,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', '-c'],
            args: [
              [
                'set -eu',
                `for f in /dump/*.${ext}; do aws s3 cp --only-show-errors "$f" "${target}/$(basename "$f")"; echo "uploaded $(basename "$f")"; done`,
                `aws s3api list-objects-v2 --bucket ${backups.bucket} --prefix ${prefix}/ --query 'Contents[].Key' --output text | tr '\\t' '\\n' | sed 's#.*/##' | ${keepNewest} | while read -r old; do aws s3 rm --only-show-errors "${target}/$old"; echo "removed $old (keeping ${settings.retain})"; done`,
              ].join('\n'),
            ],
            env: [{ name: 'HOME', value: '/tmp' }, ...region],
            resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
            securityContext: runAs,
            volumeMounts: [
              { name: 'dump', mountPath: '/dump', readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          },
        ],
        volumes: [
          { name: 'dump', emptyDir: {} },
          { name: 'tmp', emptyDir: {} },
        ],
      },
    }),
  ];
}

function renderDatabase(ctx: Context, project: DatabaseProject): Rendered {
  const engine = ENGINES[project.engine];
  const name = dnsLabel([project.name]);
  const credentials = dnsLabel([name, 'credentials']);
  const secretName = dnsLabel([name, 'env']);
  const own = credentialsOf(project, ctx.input.environment);
  const tagged = databaseImage(project);
  // The workflow may pin the engine image it resolved; any other image is not this database's.
  const image =
    ctx.input.image.reference === tagged && ctx.input.image.digest ? pinnedImage(ctx.input.image) : tagged;
  const engineEnv = engine.env(own, { secretKeyRef: { name: credentials, key: 'password' } });
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
      data: [{ secretKey: 'password', key: own.passwordRef }],
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
      readiness: engine.readiness?.(own) ?? tcpProbes(engine.port).readiness,
      liveness: {
        tcpSocket: { port: engine.port },
        periodSeconds: 10,
        timeoutSeconds: 3,
        failureThreshold: 6,
      },
      sharedMemory: engine.sharedMemory,
      // A rotation bumps the version: the changed template restarts the pod with the new password.
      podAnnotations: { 'wharf.dev/credentials-version': String(own.version) },
      postStart: engine.applyPassword,
    }),
    ...backupJob(ctx, project, image, own),
  ];
  const address = databaseAddress(project, ctx.namespace);
  const backups = ctx.input.platform.backups;
  const backup = project.backup ?? DEFAULT_BACKUP;
  return {
    objects,
    images: { [project.name]: image },
    values: {
      engine: project.engine,
      version: project.version,
      image: describeImage({ reference: tagged, digest: image === tagged ? '' : ctx.input.image.digest }),
      address: `${address.host}:${address.port}`,
      user: own.user,
      database: own.database,
      credentials: {
        version: own.version,
        passwordSecret: own.passwordRef,
        ...(own.urlRef ? { urlSecret: own.urlRef } : {}),
      },
      storage: project.storage,
      ...(ctx.input.environment === 'production' && backups
        ? {
            backup: {
              schedule: backup.schedule,
              retain: backup.retain,
              to: backups.kind === 's3' ? `s3://${backups.bucket}/` : 'the platform backup folder',
            },
          }
        : {}),
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
    envNames: [
      ...env.map((v) => v.name),
      ...(project.type === 'database' ? [] : (input.databases ?? []).map((d) => d.binding.env)),
    ].filter((n, i, all) => all.indexOf(n) === i),
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
