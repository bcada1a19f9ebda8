import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { LaunchPlan, ReadinessCheck } from './app-instance.ts';
import type { CheckedObject } from './manifest-check.ts';

/**
 * What the local reconciler does with a validated app folder: which Deployment and container run,
 * from which locally built artifact, behind which hosts, with which environment. Pure reading of the
 * objects plus the artifact folder; nothing here starts anything.
 */

export type RunDecision =
  | { run: false; why: string }
  | {
      run: true;
      deploymentName: string;
      container: IContainer;
      /** The image digest's hex, which names the artifact folder. */
      hex: string;
      artifactDir: string;
      hosts: string[];
      readiness: ReadinessCheck;
    };

const PROJECT_TYPES = new Set(['monolith', 'microservices', 'database']);
const PINNED = /@sha256:([0-9a-f]{64})$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const exists = async (path: string, kind: 'file' | 'dir'): Promise<boolean> => {
  try {
    const stats = await stat(path);
    return kind === 'file' ? stats.isFile() : stats.isDirectory();
  } catch {
    return false;
  }
};

const ofKind = <T>(objects: readonly CheckedObject[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as unknown as T[];

/** values.yaml says what the project is; without it, the objects do (a StatefulSet is a database). */
export function projectType(values: unknown, objects: readonly CheckedObject[]): string {
  if (isRecord(values) && typeof values.type === 'string' && PROJECT_TYPES.has(values.type))
    return values.type;
  if (objects.some((o) => o.kind === 'StatefulSet')) return 'database';
  const deployments = objects.filter((o) => o.kind === 'Deployment').length;
  if (deployments > 1) return 'microservices';
  return deployments === 1 ? 'monolith' : 'unknown';
}

/** Every host the folder's Ingresses route, lowercased. */
export function ingressHosts(objects: readonly CheckedObject[]): string[] {
  const hosts = ofKind<IIngress>(objects, 'Ingress').flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule) => (rule.host ? [rule.host.toLowerCase()] : [])),
  );
  return [...new Set(hosts)];
}

/**
 * The kubelet's readiness check, translated: HTTP GET on the probe's path, else a TCP connect. Its
 * budget is what the kubelet allows before it calls the pod not ready (initialDelaySeconds +
 * failureThreshold × periodSeconds, with the Kubernetes defaults 0, 3 and 10 s), and `port` is the
 * container port the user configured (the probe's, else the container's first), for messages.
 */
export function readinessCheck(probe: IProbe | undefined, container?: IContainer): ReadinessCheck {
  // The kubelet's default probe timeout is 1 s.
  const timeoutMs = Math.max(1, probe?.timeoutSeconds ?? 1) * 1_000;
  const budgetMs =
    ((probe?.initialDelaySeconds ?? 0) + (probe?.failureThreshold ?? 3) * (probe?.periodSeconds ?? 10)) *
    1_000;
  const declared = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
  const named = container?.ports?.find((p) => p.name === declared)?.containerPort;
  const port = typeof declared === 'number' ? declared : (named ?? container?.ports?.[0]?.containerPort);
  const shown = port === undefined ? {} : { port };
  const get = probe?.httpGet;
  if (get) {
    const path = get.path ? (get.path.startsWith('/') ? get.path : `/${get.path}`) : '/';
    const headers: Record<string, string> = {};
    for (const header of get.httpHeaders ?? []) headers[header.name] = header.value;
    return { type: 'http', path, headers, timeoutMs, budgetMs, ...shown };
  }
  // tcpSocket as it is; exec and grpc probes can't be run outside a container, so the port stands in.
  return { type: 'tcp', timeoutMs, budgetMs, ...shown };
}

/** Decides whether (and what) to run locally; `why` says why not. */
export async function decideRun(
  objects: readonly CheckedObject[],
  values: unknown,
  artifactsDir: string,
): Promise<RunDecision> {
  const type = projectType(values, objects);
  if (type === 'database') return { run: false, why: 'databases run only in a cluster' };
  if (type === 'microservices') return { run: false, why: 'microservices run only in a cluster' };
  const [deployment, ...others] = ofKind<IDeployment>(objects, 'Deployment');
  if (!deployment) return { run: false, why: 'the folder has no Deployment' };
  if (others.length > 0) return { run: false, why: 'more than one Deployment' };
  const containers = deployment.spec?.template.spec?.containers ?? [];
  const container = containers.find((c) => c.name === 'app') ?? containers[0];
  if (!container) return { run: false, why: 'the Deployment has no container' };
  if (deployment.spec?.replicas === 0) return { run: false, why: 'scaled to zero replicas' };
  const image = container.image ?? '';
  const hex = PINNED.exec(image)?.[1];
  if (!hex) return { run: false, why: `the image ${image || '(none)'} is not pinned to a sha256 digest` };
  const artifactDir = join(artifactsDir, hex);
  if (!(await exists(artifactDir, 'dir')))
    return { run: false, why: `no local build of sha256:${hex.slice(0, 12)}` };
  return {
    run: true,
    deploymentName: deployment.metadata?.name ?? 'app',
    container,
    hex,
    artifactDir,
    hosts: ingressHosts(objects),
    readiness: readinessCheck(container.readinessProbe, container),
  };
}

/** A file named by package.json or by convention, only if it is inside the app folder. */
async function entryFile(dir: string, candidate: string): Promise<string | undefined> {
  const full = resolve(dir, candidate);
  const inside = relative(dir, full);
  if (!inside || inside.startsWith('..') || inside.startsWith(sep)) return undefined;
  return (await exists(full, 'file')) ? inside : undefined;
}

/**
 * How the built folder starts, in the order the generated image decides it: `npm run start`, else
 * the Node entry file, else the static site (the folder's own index.html, or a single-page app's
 * `dist/` or `build/` output).
 */
export async function launchPlan(dir: string): Promise<LaunchPlan | { error: string }> {
  let packageText: string | undefined;
  try {
    packageText = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    packageText = undefined;
  }
  if (packageText !== undefined) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(packageText);
    } catch (error) {
      return { error: `package.json of the build is not valid JSON (${(error as Error).message})` };
    }
    const scripts = isRecord(pkg) && isRecord(pkg.scripts) ? pkg.scripts : {};
    if (typeof scripts.start === 'string' && scripts.start.trim()) {
      return { kind: 'command', display: 'npm run start', command: 'npm', args: ['run', 'start'] };
    }
    const main = isRecord(pkg) && typeof pkg.main === 'string' && pkg.main ? [pkg.main] : [];
    for (const candidate of [...main, 'server.js', 'index.js', 'app.js']) {
      const entry = await entryFile(dir, candidate);
      if (entry)
        return { kind: 'command', display: `node ${entry}`, command: process.execPath, args: [entry] };
    }
    for (const output of ['dist', 'build']) {
      if (await exists(join(dir, output, 'index.html'), 'file')) {
        return { kind: 'static', display: `static files of ${output}/`, root: join(dir, output) };
      }
    }
  }
  if (await exists(join(dir, 'index.html'), 'file'))
    return { kind: 'static', display: 'static files', root: dir };
  return {
    error: 'the build has no start script, no server entry file and no index.html, so nothing can run',
  };
}

export interface SecretResolver {
  get(ref: string): Promise<string | undefined>;
}

export type ResolvedEnv =
  | { ok: true; env: Record<string, string>; secretValues: string[] }
  | { ok: false; message: string };

interface SecretSource {
  /** Secret key → value (inline Secret) or → secret store ref (ExternalSecret). */
  values?: Record<string, string>;
  refs?: Record<string, string>;
}

/** The Secrets the folder makes: by ExternalSecret (values from the secret store) or inline. */
function secretSources(objects: readonly CheckedObject[]): Map<string, SecretSource> {
  const sources = new Map<string, SecretSource>();
  for (const object of objects) {
    if (object.kind === 'ExternalSecret' && object.apiVersion.startsWith('external-secrets.io/')) {
      const spec = isRecord(object.spec) ? object.spec : {};
      const target =
        isRecord(spec.target) && typeof spec.target.name === 'string' ? spec.target.name : undefined;
      const refs: Record<string, string> = {};
      for (const item of Array.isArray(spec.data) ? spec.data : []) {
        if (isRecord(item) && typeof item.secretKey === 'string' && isRecord(item.remoteRef)) {
          if (typeof item.remoteRef.key === 'string') refs[item.secretKey] = item.remoteRef.key;
        }
      }
      sources.set(target ?? object.metadata.name, { refs });
    } else if (object.kind === 'Secret' && object.apiVersion === 'v1') {
      const values: Record<string, string> = {};
      if (isRecord(object.data)) {
        for (const [key, value] of Object.entries(object.data)) {
          if (typeof value === 'string') values[key] = Buffer.from(value, 'base64').toString('utf8');
        }
      }
      if (isRecord(object.stringData)) {
        for (const [key, value] of Object.entries(object.stringData))
          if (typeof value === 'string') values[key] = value;
      }
      sources.set(object.metadata.name, { values });
    }
  }
  return sources;
}

function configMaps(objects: readonly CheckedObject[]): Map<string, Record<string, string>> {
  const maps = new Map<string, Record<string, string>>();
  for (const object of objects) {
    if (object.kind !== 'ConfigMap' || object.apiVersion !== 'v1') continue;
    const data: Record<string, string> = {};
    if (isRecord(object.data)) {
      for (const [key, value] of Object.entries(object.data))
        if (typeof value === 'string') data[key] = value;
    }
    maps.set(object.metadata.name, data);
  }
  return maps;
}

/** Kubernetes' `$(NAME)` expansion: earlier variables only, `$$` escapes, unknown references stay. */
export function expandEnv(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : name !== undefined && Object.hasOwn(env, name) ? (env[name] as string) : match,
  );
}

/**
 * The container's environment as the kubelet would build it: `envFrom` first, then `env` in order
 * (later entries may use earlier ones as `$(NAME)`). Secret references are followed to the folder's
 * ExternalSecret and read from the secret store by its `remoteRef.key`. Messages name variables and
 * references, never values.
 */
export async function resolveEnv(
  container: IContainer,
  objects: readonly CheckedObject[],
  context: { namespace: string; podName: string; secrets: SecretResolver },
): Promise<ResolvedEnv> {
  const sources = secretSources(objects);
  const maps = configMaps(objects);
  const env: Record<string, string> = {};
  const secretValues: string[] = [];
  const fetched = new Map<string, string | undefined>();

  const secretKey = async (
    name: string,
    key: string,
    what: string,
  ): Promise<{ value: string } | { missing: string }> => {
    const source = sources.get(name);
    if (!source) return { missing: `${what}: no ExternalSecret in this folder makes the Secret "${name}"` };
    if (source.values) {
      const value = source.values[key];
      return value === undefined
        ? { missing: `${what}: the Secret "${name}" has no key "${key}"` }
        : { value };
    }
    const ref = source.refs?.[key];
    if (ref === undefined) return { missing: `${what}: the Secret "${name}" has no key "${key}"` };
    if (!fetched.has(ref)) fetched.set(ref, await context.secrets.get(ref));
    const value = fetched.get(ref);
    if (value === undefined) return { missing: `${what}: the secret store has no value for "${ref}"` };
    secretValues.push(value);
    return { value };
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const data = maps.get(from.configMapRef.name ?? '');
      if (!data) {
        if (from.configMapRef.optional) continue;
        return { ok: false, message: `envFrom: the folder has no ConfigMap "${from.configMapRef.name}"` };
      }
      for (const [key, value] of Object.entries(data)) env[`${prefix}${key}`] = value;
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const source = sources.get(name);
      if (!source) {
        if (from.secretRef.optional) continue;
        return { ok: false, message: `envFrom: no ExternalSecret in this folder makes the Secret "${name}"` };
      }
      const keys = Object.keys(source.values ?? source.refs ?? {});
      for (const key of keys) {
        const got = await secretKey(name, key, `envFrom ${name}`);
        if ('missing' in got) return { ok: false, message: got.missing };
        env[`${prefix}${key}`] = got.value;
      }
    }
  }

  for (const variable of container.env ?? []) {
    const what = `env ${variable.name}`;
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expandEnv(variable.value ?? '', env);
    } else if (from.secretKeyRef) {
      const got = await secretKey(from.secretKeyRef.name ?? '', from.secretKeyRef.key, what);
      if ('missing' in got) {
        if (from.secretKeyRef.optional) continue;
        return { ok: false, message: got.missing };
      }
      env[variable.name] = got.value;
    } else if (from.configMapKeyRef) {
      const value = maps.get(from.configMapKeyRef.name ?? '')?.[from.configMapKeyRef.key];
      if (value === undefined) {
        if (from.configMapKeyRef.optional) continue;
        return {
          ok: false,
          message: `${what}: the folder has no ConfigMap "${from.configMapKeyRef.name}" with key "${from.configMapKeyRef.key}"`,
        };
      }
      env[variable.name] = value;
    } else if (from.fieldRef) {
      const fields: Record<string, string> = {
        'metadata.name': context.podName,
        'metadata.namespace': context.namespace,
        'spec.nodeName': 'localhost',
        'spec.serviceAccountName': 'default',
        'status.podIP': '127.0.0.1',
        'status.hostIP': '127.0.0.1',
      };
      const value = fields[from.fieldRef.fieldPath];
      if (value === undefined) {
        return {
          ok: false,
          message: `${what}: fieldRef ${from.fieldRef.fieldPath} is not available locally`,
        };
      }
      env[variable.name] = value;
    } else {
      return { ok: false, message: `${what}: this kind of valueFrom is not available locally` };
    }
  }
  return { ok: true, env, secretValues };
}

/** Identifies what would run: the same artifact, start command and environment give the same key. */
export function launchKey(hex: string, plan: LaunchPlan, env: Readonly<Record<string, string>>): string {
  const what = plan.kind === 'static' ? ['static', plan.root] : [plan.command, ...plan.args];
  return createHash('sha256')
    .update(JSON.stringify([hex, what, Object.entries(env)]))
    .digest('hex');
}
