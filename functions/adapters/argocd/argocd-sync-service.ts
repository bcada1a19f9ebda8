import type * as z from 'zod';
import type {
  HealthStatus,
  SyncApp,
  SyncService,
  SyncStatus,
  WorkloadStatus,
} from '../../../shared/deploy-ports.ts';
import { transientError, WorkflowError } from '../../../shared/errors.ts';
import { APPS_ROOT, argoProjectName } from '../../../shared/manifests/names.ts';
import { isDnsLabel } from '../../../shared/naming.ts';
import {
  type ArgoApplication,
  type ArgoResourceNode,
  argoApplication,
  argoError,
  argoResourceManifest,
  argoResourceTree,
  liveWorkload,
} from './schemas.ts';

export type RefreshKind = 'normal' | 'hard';

export interface ArgoCdSyncServiceOptions {
  /** The Argo CD API server, e.g. `https://argocd.example.com` (a root path such as `/argocd` is kept). */
  url: string;
  /** An Argo CD API token whose account may get and sync Wharf's applications. Never logged or echoed. */
  token: string;
  /** The refresh `requestSync` asks for; `hard` also drops the repo server's manifest cache. Default `normal`. */
  refresh?: RefreshKind | undefined;
  fetch?: typeof fetch | undefined;
  /** Per request. A refresh waits until Argo CD has reconciled the app, so allow for that. Default 45 s. */
  timeoutMs?: number | undefined;
  /**
   * The AppProject an app belongs to, sent as `project` so that Argo CD answers 404 (not 403) for an
   * application that does not exist yet. Default: derived from the app's GitOps folder.
   */
  project?: ((app: SyncApp) => string | undefined) | undefined;
}

const DEFAULT_TIMEOUT_MS = 45_000;
/** Long Argo CD messages (a failed apply can quote whole manifests) are cut to this. */
const MESSAGE_MAX = 1_000;
/** gRPC status codes as grpc-gateway writes them in error bodies. */
const GRPC_NOT_FOUND = 5;
const OPERATION_IN_PROGRESS = /another operation is already in progress/i;

const SYNC_STATUSES = new Set<SyncStatus['sync']>(['Synced', 'OutOfSync', 'Unknown']);
const HEALTH_STATUSES = new Set<HealthStatus>([
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
]);
/** The label the renderer puts on each microservice's objects (its service name). */
const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** Argo CD's built-in CronJob action (resource_customizations/batch/CronJob/actions). */
const CREATE_JOB = 'create-job';
const RUNNING_PHASES = new Set(['Running', 'Terminating']);
const FAILED_PHASES = new Set(['Failed', 'Error']);

/**
 * The AppProject of an app from its folder, `apps/<workspaceId>/…`, by the same rule the renderer
 * writes into release.json (`argoProjectName`). Undefined for a folder outside that layout.
 */
export function argoProjectOf(app: Pick<SyncApp, 'path'>): string | undefined {
  const [root, workspaceId] = app.path.split('/');
  if (root !== APPS_ROOT || !workspaceId || !isDnsLabel(workspaceId)) return undefined;
  return argoProjectName(workspaceId);
}

type Revisions = { revision?: string | null | undefined; revisions?: string[] | null | undefined } | null;
/** A single-source app's revision, or a multi-source app's first; Go writes "" for "none". */
const revisionOf = (value: Revisions | undefined): string | undefined =>
  value?.revision || value?.revisions?.[0] || undefined;

const clip = (text: string) => (text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text);

/**
 * Maps an Argo CD Application to the port's SyncStatus. `revision` is the commit the live state
 * reflects, not merely the one Argo CD compares against: right after a refresh `status.sync.revision`
 * is already the new commit while the cluster still runs the old one (OutOfSync, health of the old
 * objects, or Missing for a new app), and reporting that as "at the commit" would let the workflow
 * judge a rollout that has not happened. So:
 * - an operation requested or running: the last successful sync (`status.history`), the app is moving;
 * - Synced: `status.sync.revision`;
 * - after a finished operation: the revision that operation applied;
 * - otherwise the last successful sync, if any.
 * `operationFailed` is set only for a failed operation of the revision Argo CD now targets (or of an
 * unknown one): an old failed operation must not fail a new deploy.
 */
function syncStatusOf(application: ArgoApplication): SyncStatus {
  const status = application.status ?? {};
  const target = revisionOf(status.sync);
  const sync = SYNC_STATUSES.has(status.sync?.status as SyncStatus['sync'])
    ? (status.sync?.status as SyncStatus['sync'])
    : 'Unknown';
  const health = HEALTH_STATUSES.has(status.health?.status as HealthStatus)
    ? (status.health?.status as HealthStatus)
    : 'Unknown';
  const op = status.operationState ?? undefined;
  const opRevision = revisionOf(op?.syncResult) ?? revisionOf(op?.operation?.sync);
  const running = Boolean(application.operation) || (op !== undefined && RUNNING_PHASES.has(op.phase));
  const lastDeployed = revisionOf(status.history?.at(-1));

  let revision: string | undefined;
  if (running) revision = lastDeployed;
  else if (sync === 'Synced') revision = target;
  else if (op) revision = opRevision ?? target;
  else revision = lastDeployed;

  const operationFailed =
    !running &&
    op !== undefined &&
    FAILED_PHASES.has(op.phase) &&
    (opRevision === undefined || target === undefined || opRevision === target);

  const unhealthy =
    health === 'Healthy'
      ? undefined
      : ((status.resources ?? []).find((r) => r.health?.status === health && r.health.message) ??
        (status.resources ?? []).find((r) => r.health?.status !== 'Healthy' && r.health?.message));
  const errorCondition = (status.conditions ?? []).find((c) => c.type.endsWith('Error') && c.message);
  // The resource's health message says what is wrong ("Deployment "shop" exceeded its progress
  // deadline"); the Application's own health message is deprecated and unused since Argo CD 2.x, so
  // it is only a fallback for older servers.
  const message =
    (operationFailed ? op?.message : undefined) ||
    (unhealthy
      ? `${unhealthy.kind ?? 'Resource'} ${unhealthy.name ?? ''}: ${unhealthy.health?.message}`
      : undefined) ||
    (health !== 'Healthy' ? status.health?.message : undefined) ||
    (errorCondition ? `${errorCondition.type}: ${errorCondition.message}` : undefined) ||
    (running ? op?.message : undefined) ||
    undefined;

  return {
    revision,
    sync,
    health,
    ...(message ? { message: clip(message) } : {}),
    ...(operationFailed ? { operationFailed: true } : {}),
  };
}

const isAutomated = (application: ArgoApplication) => {
  const automated = application.spec?.syncPolicy?.automated;
  return automated != null && automated.enabled !== false;
};

interface Answer {
  status: number;
  text: string;
}

/**
 * The Argo CD adapter of the sync port, through the Argo CD REST API (bearer token): a refresh via
 * `GET /api/v1/applications/{name}?refresh=…`, a sync via `POST …/sync` when automated sync is off,
 * and the Application's status mapped to SyncStatus. Server errors, throttling and network failures
 * are `TransientError`s (the workflow retries them); anything else fails the step with a message
 * naming what Argo CD said.
 */
export function createArgoCdSyncService(options: ArgoCdSyncServiceOptions): SyncService {
  let base: URL;
  try {
    base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  } catch {
    throw new Error(`The Argo CD URL "${options.url}" is not a URL.`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`The Argo CD URL "${options.url}" must be http(s).`);
  if (base.username || base.password)
    throw new Error('The Argo CD URL must not carry credentials; Wharf sends its token as a bearer token.');
  const { token } = options;
  // A header can't carry spaces or control characters; check here so no error ever quotes the token.
  if (!token || !/^[\x21-\x7e]+$/.test(token))
    throw new Error('The Argo CD token is empty or has characters an HTTP header cannot carry.');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const refreshKind: RefreshKind = options.refresh ?? 'normal';
  const projectOf = options.project ?? argoProjectOf;
  const host = base.host;

  /** Never lets the token through, whatever an upstream message quotes. */
  const redact = (text: string) => clip(text.split(token).join('[token]'));

  const applicationUrl = (app: SyncApp, suffix: string, query: Record<string, string | undefined>) => {
    if (!app.name) throw new WorkflowError('ArgoCdRequestFailed', 'The app has no Argo CD application name.');
    const url = new URL(`api/v1/applications/${encodeURIComponent(app.name)}${suffix}`, base);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, value);
    return url;
  };

  async function send(what: string, url: URL, init: { method: string; body?: unknown }): Promise<Answer> {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: init.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${Math.round(timeoutMs / 1000)} s`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw transientError(redact(`Argo CD at ${host} could not ${what}: ${why}.`));
    }
    return { status: response.status, text };
  }

  /** Argo CD's own words from an error body, if it is one. */
  const argoMessage = (answer: Answer): { message?: string; code?: number } => {
    try {
      const parsed = argoError.safeParse(JSON.parse(answer.text));
      if (!parsed.success) return {};
      const message = parsed.data.message || parsed.data.error || undefined;
      return {
        ...(message ? { message: redact(message) } : {}),
        ...(parsed.data.code != null ? { code: parsed.data.code } : {}),
      };
    } catch {
      return {};
    }
  };

  function failure(what: string, app: SyncApp, answer: Answer): WorkflowError {
    const { message } = argoMessage(answer);
    const said = message ?? `HTTP ${answer.status}`;
    if (answer.status === 401) {
      return new WorkflowError(
        'ArgoCdUnauthorized',
        `Argo CD at ${host} rejected Wharf's API token (${said}). Give Wharf a valid Argo CD token.`,
      );
    }
    if (answer.status === 403) {
      const project = projectOf(app);
      return new WorkflowError(
        'ArgoCdUnauthorized',
        `Argo CD at ${host} refused to let Wharf's token ${what} (${said}). The token's account needs ` +
          `get and sync on applications${project ? ` in project ${project}` : ''}.`,
      );
    }
    if (answer.status === 429 || answer.status >= 500) {
      return transientError(
        `Argo CD at ${host} could not ${what} right now (HTTP ${answer.status}${message ? `: ${message}` : ''}).`,
      );
    }
    return new WorkflowError('ArgoCdRequestFailed', `Argo CD at ${host} refused to ${what}: ${said}.`);
  }

  /** Argo CD's "no such application": a 404 with its NotFound error body (not any 404 on the way). */
  const isMissing = (answer: Answer) => answer.status === 404 && argoMessage(answer).code === GRPC_NOT_FOUND;

  async function getApplication(app: SyncApp, refresh: RefreshKind): Promise<ArgoApplication | undefined> {
    const what = `read application ${app.name}`;
    const answer = await send(what, applicationUrl(app, '', { refresh, project: projectOf(app) }), {
      method: 'GET',
    });
    if (isMissing(answer)) return undefined;
    if (answer.status < 200 || answer.status >= 300) throw failure(what, app, answer);
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new WorkflowError(
        'ArgoCdInvalidResponse',
        `Argo CD at ${host} answered a read of application ${app.name} with something that is not JSON. ` +
          'Check that the Argo CD URL points at the Argo CD API server.',
      );
    }
    const parsed = argoApplication.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.length ? issue.path.join('.') : 'the body';
      throw new WorkflowError(
        'ArgoCdInvalidResponse',
        `Argo CD at ${host} answered a read of application ${app.name} with JSON that is not an ` +
          `Application (${at}: ${issue?.message ?? 'unexpected shape'}).`,
      );
    }
    return parsed.data;
  }

  /** A 2xx answer's JSON, checked against `schema`; anything else fails naming what Argo CD sent. */
  function parsed<T>(what: string, answer: Answer, schema: z.ZodType<T>, shape: string): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new WorkflowError(
        'ArgoCdInvalidResponse',
        `Argo CD at ${host} answered a request to ${what} with something that is not JSON. ` +
          'Check that the Argo CD URL points at the Argo CD API server.',
      );
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      const at = issue?.path.length ? issue.path.join('.') : 'the body';
      throw new WorkflowError(
        'ArgoCdInvalidResponse',
        `Argo CD at ${host} answered a request to ${what} with JSON that is not ${shape} ` +
          `(${at}: ${issue?.message ?? 'unexpected shape'}).`,
      );
    }
    return result.data;
  }

  /**
   * The live Deployment or StatefulSet (`GET …/resource`), read only for a workload the tree shows no
   * pod of: its labels (the component) and desired replicas are then nowhere else in the tree.
   */
  async function liveObject(app: SyncApp, node: ArgoResourceNode) {
    const what = `read ${node.kind} ${node.name} of application ${app.name}`;
    const answer = await send(
      what,
      applicationUrl(app, '/resource', {
        namespace: node.namespace ?? app.namespace,
        resourceName: node.name,
        version: node.version ?? 'v1',
        group: node.group ?? 'apps',
        kind: node.kind,
        project: projectOf(app),
      }),
      { method: 'GET' },
    );
    // Gone between the tree and this read: nothing more to say about it.
    if (answer.status === 404) return undefined;
    if (answer.status < 200 || answer.status >= 300) throw failure(what, app, answer);
    const { manifest } = parsed(what, answer, argoResourceManifest, 'a resource');
    try {
      const object = liveWorkload.safeParse(JSON.parse(manifest));
      return object.success ? object.data : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    async workloads(app) {
      const what = `read the resource tree of application ${app.name}`;
      const answer = await send(what, applicationUrl(app, '/resource-tree', { project: projectOf(app) }), {
        method: 'GET',
      });
      // No application yet (never deployed): it runs nothing.
      if (isMissing(answer)) return [];
      if (answer.status < 200 || answer.status >= 300) throw failure(what, app, answer);
      const nodes = parsed(what, answer, argoResourceTree, 'an application tree').nodes ?? [];
      /** Pods below a workload: a StatefulSet's directly, a Deployment's through its ReplicaSets. */
      const podsOf = (workload: ArgoResourceNode) => {
        const owns = (node: ArgoResourceNode, owner: ArgoResourceNode) =>
          (node.parentRefs ?? []).some((ref) =>
            ref.uid && owner.uid ? ref.uid === owner.uid : ref.kind === owner.kind && ref.name === owner.name,
          );
        const owners = [workload, ...nodes.filter((n) => n.kind === 'ReplicaSet' && owns(n, workload))];
        return nodes.filter((n) => n.kind === 'Pod' && owners.some((owner) => owns(n, owner)));
      };
      const workloads: WorkloadStatus[] = [];
      for (const node of nodes) {
        if (node.kind !== 'Deployment' && node.kind !== 'StatefulSet') continue;
        if (node.group && node.group !== 'apps') continue;
        const pods = podsOf(node);
        const info = (pod: ArgoResourceNode, name: string) =>
          pod.info?.find((item) => item.name === name)?.value ?? undefined;
        const ready = pods.filter((pod) => {
          const [up, all] = (info(pod, 'Containers') ?? '').split('/').map(Number);
          return all !== undefined && all > 0 && up === all;
        }).length;
        const restarts = pods.reduce((sum, pod) => sum + (Number(info(pod, 'Restart Count')) || 0), 0);
        const images = [...new Set(pods.flatMap((pod) => pod.images ?? []).concat(node.images ?? []))];
        let component = pods
          .map((pod) => pod.networkingInfo?.labels?.[COMPONENT_LABEL])
          .find((value) => value !== undefined);
        let replicas = pods.length;
        if (pods.length === 0) {
          const live = await liveObject(app, node);
          component = live?.metadata?.labels?.[COMPONENT_LABEL] ?? undefined;
          replicas = live?.spec?.replicas ?? 0;
        }
        const health = HEALTH_STATUSES.has(node.health?.status as HealthStatus)
          ? (node.health?.status as HealthStatus)
          : 'Unknown';
        workloads.push({
          kind: node.kind,
          name: node.name,
          ...(component ? { component } : {}),
          replicas,
          readyReplicas: ready,
          restarts,
          images,
          health,
        });
      }
      return workloads;
    },

    async runCronJob(app, cronJob) {
      const what = `run a Job from CronJob ${cronJob} of application ${app.name}`;
      // RunResourceAction (server/application/application.proto): the resource in the query, the
      // action's name as the whole JSON body. CronJob's built-in `create-job` action makes a Job
      // from the CronJob's jobTemplate.
      const answer = await send(
        what,
        applicationUrl(app, '/resource/actions', {
          namespace: app.namespace,
          resourceName: cronJob,
          version: 'v1',
          group: 'batch',
          kind: 'CronJob',
          project: projectOf(app),
        }),
        { method: 'POST', body: CREATE_JOB },
      );
      if (answer.status >= 200 && answer.status < 300) return;
      if (answer.status === 404) {
        const { message } = argoMessage(answer);
        throw new WorkflowError(
          'ArgoCdRequestFailed',
          `Argo CD at ${host} could not ${what}: ${message ?? 'not found'}. Deploy the environment ` +
            'first: the CronJob exists only once a release that renders it has synced.',
        );
      }
      throw failure(what, app, answer);
    },

    async requestSync(app, revision) {
      if (!revision) throw new WorkflowError('NoCommit', `No revision to sync ${app.name} to.`);
      // The refresh makes Argo CD read the branch now instead of at its next poll.
      const application = await getApplication(app, refreshKind);
      // Not generated yet: the ApplicationSet creates it from release.json, with automated sync.
      if (!application) return;
      if (isAutomated(application)) return;
      const current = syncStatusOf(application);
      if (current.sync === 'Synced' && current.revision === revision) return;
      if (revisionOf(application.operation?.sync) === revision) return;

      const what = `sync application ${app.name}`;
      const project = projectOf(app);
      const answer = await send(what, applicationUrl(app, '/sync', {}), {
        method: 'POST',
        body: { name: app.name, revision, prune: true, ...(project ? { project } : {}) },
      });
      if (answer.status >= 200 && answer.status < 300) return;
      // A sync already running (a retried task, or automated sync): it is not ours to replace.
      if (answer.status === 409 || OPERATION_IN_PROGRESS.test(argoMessage(answer).message ?? '')) return;
      if (isMissing(answer)) return;
      throw failure(what, app, answer);
    },

    async status(app) {
      // A normal refresh, so the answer reflects the branch as it is now.
      const application = await getApplication(app, 'normal');
      if (!application) {
        return {
          sync: 'Unknown',
          health: 'Missing',
          message:
            `Argo CD has no application ${app.name} yet; its ApplicationSet creates it once it reads ` +
            `${app.path}/release.json on the branch.`,
        };
      }
      return syncStatusOf(application);
    },
  };
}
