import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RefreshKind } from '../../functions/adapters/argocd/argocd-sync-service.ts';
import type { HealthStatus } from '../../shared/deploy-ports.ts';

/**
 * An in-process Argo CD API server for tests, following the Argo CD REST API (grpc-gateway JSON):
 * `GET /api/v1/applications/{name}?refresh=normal|hard&project=…` and
 * `POST /api/v1/applications/{name}/sync`, bearer-token auth, and Argo CD's error bodies and status
 * codes (`{"error", "code", "message"}` with the gRPC code). Like Argo CD it answers 404 for a missing
 * application only when the request names a project, and 403 "permission denied" otherwise, and it
 * refuses a sync to a revision other than the app's `targetRevision` while automated sync is on
 * (server/application/application.go: "Cannot sync to %s: auto-sync currently set to %s").
 *
 * With `controller`, it also runs Argo CD's application controller (controller/appcontroller.go): on
 * each pass, and for the app a `?refresh=` names before the GET answers, it resolves the source's
 * `targetRevision` to a commit and compares (`status.sync`); under automated sync it starts a sync of
 * that commit itself (unless its last attempt at that commit failed: a SyncError condition); a sync
 * operation runs (Running), applies (Succeeded or Failed, `syncResult`, `history`), then the app's
 * health goes Progressing and on to what `rollout` says. A plain GET answers the state as it is.
 * Without `controller` the state is whatever the test set (`setApp`, `resolveApp`).
 */

type Revisions = { revision?: string; revisions?: string[] };
type SourceRef = { repoURL: string; path: string; targetRevision: string };

/** The subset of an Argo CD Application (`argoproj.io/v1alpha1`) the fake serves, as Argo CD writes it. */
export interface AppState {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    project?: string;
    source?: SourceRef;
    /** Multi-source apps. */
    sources?: SourceRef[];
    /** Absent: the fake's `automated` option decides (like the ApplicationSet's template). */
    syncPolicy?: {
      automated?: { prune?: boolean; selfHeal?: boolean; enabled?: boolean };
      syncOptions?: string[];
    };
  };
  /** An operation requested and not finished; a sync request meanwhile is refused as Argo CD does. */
  operation?: {
    sync?: Revisions & { prune?: boolean };
    initiatedBy?: { automated?: boolean; username?: string };
  };
  status?: {
    sync?: { status: 'Synced' | 'OutOfSync' | 'Unknown' } & Revisions;
    health?: { status: HealthStatus; message?: string };
    operationState?: {
      phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
      message?: string;
      operation?: { sync?: Revisions & { prune?: boolean } };
      syncResult?: Revisions;
      startedAt?: string;
      finishedAt?: string;
    };
    conditions?: Array<{ type: string; message: string; lastTransitionTime?: string }>;
    resources?: Array<{
      group?: string;
      version?: string;
      kind: string;
      namespace?: string;
      name: string;
      status?: 'Synced' | 'OutOfSync' | 'Unknown';
      health?: { status: HealthStatus; message?: string };
    }>;
    /** Successful syncs, oldest first. */
    history?: Array<{ id: number; deployedAt?: string } & Revisions>;
  };
}

/** One node of an app's resource tree (`v1alpha1.ResourceNode`), as Argo CD serves it. */
export interface TreeNode {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  parentRefs?: Array<{ group?: string; kind: string; namespace?: string; name: string; uid?: string }>;
  info?: Array<{ name: string; value: string }>;
  images?: string[];
  health?: { status: HealthStatus; message?: string };
  networkingInfo?: { labels?: Record<string, string> };
}

/** A resource action run (`POST …/resource/actions`), as accepted. */
export interface ActionRecord {
  name: string;
  action: string;
  namespace: string;
  resourceName: string;
  kind: string;
  group: string;
  version: string;
}

export interface SyncRequestRecord {
  name: string;
  revision?: string | undefined;
  prune?: boolean | undefined;
  project?: string | undefined;
}

export interface RecordedRequest {
  method: string;
  /** The raw path, percent-encoding kept. */
  path: string;
  /** The application name, decoded. */
  name?: string | undefined;
  query: Record<string, string[]>;
  body?: unknown;
  /** Whether the bearer token matched. */
  authorized: boolean;
  /** The status the fake answered. */
  status: number;
}

export interface FakeArgoCdOptions {
  /** The only bearer token accepted. */
  token: string;
  /** Automated sync for apps whose state has no `spec.syncPolicy`. Default true, like Wharf's ApplicationSet. */
  automated?: boolean | undefined;
  /**
   * Each application's state, asked on every request for an app not set with `setApp`; undefined
   * means it does not exist (yet). `refresh` is the refresh the GET asked for (undefined for a plain
   * GET and for a sync).
   */
  resolveApp?:
    | ((name: string, context: { refresh: RefreshKind | undefined }) => Promise<AppState | undefined>)
    | undefined;
  /**
   * Called for an accepted sync; a returned state replaces the app's (as `setApp`). Without it the
   * sync is only recorded.
   */
  onSync?:
    | ((request: SyncRequestRecord, app: AppState) => Promise<AppState | undefined> | AppState | undefined)
    | undefined;
  /** Refuse (400) a sync without a revision: Wharf always syncs an exact commit. Default true. */
  requireSyncRevision?: boolean | undefined;
  /** Runs the application controller over the apps (see above); without it the state stays as set. */
  controller?: FakeArgoCdControllerOptions | undefined;
}

/** How an app's objects turn out once a sync has applied them. */
export type Rollout =
  /** Applied; health goes Progressing, then this (Progressing: the rollout never finishes). */
  | { health: 'Healthy' | 'Degraded' | 'Progressing'; message?: string | undefined }
  /** The apply itself fails: the operation ends Failed with this message. */
  | { syncFails: string };

export interface FakeArgoCdControllerOptions {
  /** Time between controller passes (Argo CD: `timeout.reconciliation`, 180 s); default 100 ms. */
  intervalMs?: number | undefined;
  /**
   * The commit a source's `targetRevision` points at now (what the repo server resolves), or
   * undefined when it can't be resolved (the comparison then fails with a ComparisonError).
   */
  resolveRevision: (source: SourceRef, app: string) => string | undefined | Promise<string | undefined>;
  /** How the app at a revision rolls out; default Healthy. */
  rollout?: ((app: string, revision: string) => Rollout | Promise<Rollout>) | undefined;
  /**
   * Whether the app renders the same manifests at two revisions (a commit that changed only other
   * apps): then it stays Synced at the newer one. Default: only the same revision.
   */
  sameManifests?: ((app: string, a: string, b: string) => boolean | Promise<boolean>) | undefined;
}

export interface ScriptedResponse {
  status: number;
  /** A string is sent as it is; anything else as JSON. */
  body: unknown;
  contentType?: string | undefined;
}

export interface FakeArgoCd {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Refreshes performed (on existing apps), in order. */
  refreshes: Array<{ name: string; kind: RefreshKind }>;
  /** Syncs accepted, in order. */
  syncs: SyncRequestRecord[];
  /**
   * An app's live objects for `GET …/resource-tree` and `GET …/resource` (each node's manifest is
   * the node itself unless `manifests` has one, keyed `kind/name`).
   */
  setTree(name: string, nodes: TreeNode[], manifests?: Record<string, unknown>): void;
  /** Resource actions run, in order. */
  actions: ActionRecord[];
  /** Sets (or with undefined, removes) an app's state; set apps take precedence over `resolveApp`. */
  setApp(name: string, state: AppState | undefined): void;
  /** An app's state as the fake would serve it now. */
  app(name: string): Promise<AppState | undefined>;
  /** Answers the next `times` requests (after auth) with this response instead: faults, garbage. */
  respondNext(response: ScriptedResponse, times?: number): void;
  /** Runs one controller pass over every app now (with `controller`); resolves when it is done. */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

/** gRPC codes in grpc-gateway error bodies. */
const CODE = {
  invalidArgument: 3,
  notFound: 5,
  permissionDenied: 7,
  failedPrecondition: 9,
  unauthenticated: 16,
} as const;

const argoError = (message: string, code: number) => ({ error: message, code, message });
const notFoundMessage = (name: string) => `applications.argoproj.io "${name}" not found`;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Argo CD's `SyncPolicy.IsAutomatedSyncEnabled`: `automated` set and not `enabled: false`. */
const automatedOn = (app: AppState) => {
  const automated = app.spec?.syncPolicy?.automated;
  return automated != null && automated.enabled !== false;
};
const sourceOf = (app: AppState): SourceRef | undefined => app.spec?.source ?? app.spec?.sources?.[0];
const PHASES_DONE = new Set(['Succeeded', 'Failed', 'Error']);

export async function startFakeArgoCd(options: FakeArgoCdOptions): Promise<FakeArgoCd> {
  const automated = options.automated ?? true;
  const requireRevision = options.requireSyncRevision ?? true;
  const controller = options.controller;
  const apps = new Map<string, AppState>();
  const requests: RecordedRequest[] = [];
  const refreshes: FakeArgoCd['refreshes'] = [];
  const syncs: SyncRequestRecord[] = [];
  const scripted: ScriptedResponse[] = [];
  const trees = new Map<string, { nodes: TreeNode[]; manifests: Record<string, unknown> }>();
  const actions: ActionRecord[] = [];
  /** Per app under the controller: the health its last applied rollout settles on. */
  const settling = new Map<string, { health: HealthStatus; message?: string | undefined }>();

  /** The app as Argo CD would return it: its name, namespace and sync policy filled in. */
  function served(name: string, state: AppState): AppState {
    const copy = structuredClone(state);
    return {
      ...copy,
      metadata: { namespace: 'argocd', ...copy.metadata, name },
      spec: {
        ...copy.spec,
        syncPolicy:
          copy.spec?.syncPolicy ?? (automated ? { automated: { prune: true, selfHeal: true } } : {}),
      },
    };
  }

  async function lookup(name: string, refresh: RefreshKind | undefined): Promise<AppState | undefined> {
    const set = apps.get(name);
    if (set) return served(name, set);
    const state = await options.resolveApp?.(name, { refresh });
    if (!state) return undefined;
    // Under the controller a resolved app is generated once (as by the ApplicationSet), then the
    // controller owns its status.
    if (controller) {
      const generated = served(name, state);
      apps.set(name, generated);
      return served(name, generated);
    }
    return served(name, state);
  }

  // ---- The application controller ----

  /** One pass at a time, as the controller's queue processes an app. */
  let passes: Promise<void> = Promise.resolve();
  const serialized = (work: () => Promise<void>) => {
    const next = passes.then(work);
    passes = next.catch(() => undefined);
    return next;
  };

  const condition = (type: string, message: string) => ({
    type,
    message,
    lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });

  /** CompareAppState and autoSync: what a refresh does. */
  async function compare(name: string, app: AppState) {
    if (!controller) return;
    app.status ??= {};
    const status = app.status;
    const source = sourceOf(app);
    const target = source ? await controller.resolveRevision(source, name) : undefined;
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'ComparisonError');
    if (!target) {
      status.sync = { status: 'Unknown' };
      status.conditions = [
        ...conditions,
        condition(
          'ComparisonError',
          `Failed to load target state: failed to resolve revision ${source?.targetRevision ?? 'HEAD'}`,
        ),
      ];
      return;
    }
    status.conditions = conditions;
    const deployed = status.history?.at(-1)?.revision;
    const same =
      deployed !== undefined &&
      (deployed === target || Boolean(await controller.sameManifests?.(name, deployed, target)));
    status.sync = { status: same ? 'Synced' : 'OutOfSync', revision: target };
    if (!deployed) status.health ??= { status: 'Missing' };

    // autoSync
    if (!automatedOn(served(name, app)) || app.operation || same) return;
    const last = status.operationState;
    if (last && !PHASES_DONE.has(last.phase)) return;
    if (last?.syncResult?.revision === target) {
      if (last.phase !== 'Succeeded') {
        status.conditions = [
          ...conditions.filter((c) => c.type !== 'SyncError'),
          condition('SyncError', `Failed last sync attempt to [${target}]: ${last.message ?? ''}`),
        ];
      }
      return;
    }
    status.conditions = conditions.filter((c) => c.type !== 'SyncError');
    const prune = served(name, app).spec?.syncPolicy?.automated?.prune ?? false;
    app.operation = { sync: { revision: target, prune }, initiatedBy: { automated: true } };
  }

  /** Moves an app one step: a requested operation starts, a running one applies, health settles. */
  async function advance(name: string, app: AppState) {
    if (!controller) return;
    app.status ??= {};
    const status = app.status;
    const op = status.operationState;
    if (app.operation?.sync && (!op || PHASES_DONE.has(op.phase))) {
      status.operationState = {
        phase: 'Running',
        message: 'one or more tasks are running',
        operation: { sync: structuredClone(app.operation.sync) },
        startedAt: new Date().toISOString(),
      };
      return;
    }
    if (op?.phase === 'Running') {
      const revision = op.operation?.sync?.revision ?? status.sync?.revision ?? '';
      const rollout: Rollout = (await controller.rollout?.(name, revision)) ?? { health: 'Healthy' };
      const finishedAt = new Date().toISOString();
      app.operation = undefined;
      if ('syncFails' in rollout) {
        status.operationState = {
          ...op,
          phase: 'Failed',
          message: rollout.syncFails,
          syncResult: { revision },
          finishedAt,
        };
        return;
      }
      status.operationState = {
        ...op,
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        syncResult: { revision },
        finishedAt,
      };
      const history = status.history ?? [];
      status.history = [...history, { id: (history.at(-1)?.id ?? -1) + 1, revision, deployedAt: finishedAt }];
      status.health = { status: 'Progressing' };
      status.resources = [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: app.spec?.project,
          name,
          status: 'Synced',
          health: {
            status: 'Progressing',
            message: `Waiting for rollout to finish: 0 of 1 updated replicas are available...`,
          },
        },
      ];
      settling.set(name, { health: rollout.health, message: rollout.message });
      return;
    }
    const settled = settling.get(name);
    if (settled && settled.health !== 'Progressing') {
      settling.delete(name);
      status.health = { status: settled.health };
      status.resources = (status.resources ?? []).map((r) => ({
        ...r,
        health: {
          status: settled.health,
          ...(settled.message ? { message: settled.message } : {}),
        },
      }));
    }
  }

  function reconcileAll(): Promise<void> {
    return serialized(async () => {
      for (const [name, app] of apps) {
        await advance(name, app);
        await compare(name, app);
      }
    });
  }

  const timer = controller
    ? setInterval(() => void reconcileAll().catch(() => undefined), controller.intervalMs ?? 100)
    : undefined;
  timer?.unref();

  async function handle(request: IncomingMessage, record: RecordedRequest) {
    const url = new URL(request.url ?? '/', 'http://fake');
    record.path = url.pathname;
    for (const key of new Set(url.searchParams.keys())) record.query[key] = url.searchParams.getAll(key);

    const resource = /^\/api\/v1\/applications\/([^/]+)\/(resource-tree|resource|resource\/actions)$/.exec(
      url.pathname,
    );
    if (resource?.[1] && resource[2]) return handleResource(request, record, url, resource[1], resource[2]);
    const match = /^\/api\/v1\/applications\/([^/]+)(\/sync)?$/.exec(url.pathname);
    if (!match?.[1]) return { status: 404, body: argoError('Not Found', CODE.notFound) };
    let name: string;
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      return { status: 400, body: argoError('invalid application name in path', CODE.invalidArgument) };
    }
    record.name = name;
    const isSync = match[2] === '/sync';

    let body: Record<string, unknown> = {};
    if (request.method === 'POST') {
      const text = await readBody(request);
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        record.body = body;
      } catch {
        return { status: 400, body: argoError('invalid character in request body', CODE.invalidArgument) };
      }
    }

    if (!(request.method === 'GET' && !isSync) && !(request.method === 'POST' && isSync)) {
      return { status: 404, body: argoError('Not Found', CODE.notFound) };
    }

    const projects = isSync
      ? typeof body.project === 'string' && body.project
        ? [body.project]
        : []
      : [...(record.query.project ?? []), ...(record.query.projects ?? [])];
    if (projects.length > 1) {
      return {
        status: 400,
        body: argoError(
          'multiple projects specified - the get endpoint accepts either zero or one project',
          CODE.invalidArgument,
        ),
      };
    }
    const project = projects[0];
    const refreshParam = isSync ? undefined : url.searchParams.get('refresh');
    // Argo CD treats any refresh value other than "hard" as a normal refresh.
    const refresh: RefreshKind | undefined =
      refreshParam === null || refreshParam === undefined
        ? undefined
        : refreshParam === 'hard'
          ? 'hard'
          : 'normal';

    const app = await lookup(name, refresh);
    if (!app || (project !== undefined && (app.spec?.project || 'default') !== project)) {
      // Without a project Argo CD does not say whether an app exists.
      return project === undefined
        ? { status: 403, body: argoError('permission denied', CODE.permissionDenied) }
        : { status: 404, body: argoError(notFoundMessage(name), CODE.notFound) };
    }

    if (!isSync) {
      if (refresh) refreshes.push({ name, kind: refresh });
      if (!refresh || !controller) return { status: 200, body: app };
      // A refresh answers once the controller has reconciled the app (compared, maybe auto-synced).
      await serialized(async () => {
        const owned = apps.get(name);
        if (owned) await compare(name, owned);
      });
      return { status: 200, body: (await lookup(name, undefined)) ?? app };
    }

    const revision = typeof body.revision === 'string' && body.revision ? body.revision : undefined;
    if (requireRevision && !revision) {
      return { status: 400, body: argoError('revision is required', CODE.invalidArgument) };
    }
    const source = sourceOf(app);
    const tracked = source?.targetRevision || 'HEAD';
    if (revision && revision !== tracked && automatedOn(app) && body.dryRun !== true) {
      return {
        status: 400,
        body: argoError(
          `Cannot sync to ${revision}: auto-sync currently set to ${source?.targetRevision ?? ''}`,
          CODE.failedPrecondition,
        ),
      };
    }
    if (app.operation) {
      return {
        status: 400,
        body: argoError(
          'error setting app operation: another operation is already in progress',
          CODE.failedPrecondition,
        ),
      };
    }
    const sync: SyncRequestRecord = {
      name,
      revision,
      prune: typeof body.prune === 'boolean' ? body.prune : undefined,
      project,
    };
    syncs.push(sync);
    const operation = { sync: { ...(revision ? { revision } : {}), prune: sync.prune ?? false } };
    if (controller) {
      const owned = apps.get(name);
      if (owned) {
        // A branch (or none) is resolved to its commit, as Argo CD does before it sets the operation.
        const commit =
          !revision || revision === tracked
            ? source
              ? await controller.resolveRevision(source, name)
              : undefined
            : revision;
        owned.operation = {
          sync: { ...(commit ? { revision: commit } : {}), prune: sync.prune ?? false },
          initiatedBy: { username: 'wharf' },
        };
        await options.onSync?.(sync, served(name, owned));
        return { status: 200, body: served(name, owned) };
      }
    }
    const next = await options.onSync?.(sync, app);
    if (next) apps.set(name, next);
    return { status: 200, body: { ...(next ? served(name, next) : app), operation } };
  }

  /** The query parameter, required (gRPC `required string`): a missing one is Argo CD's 400. */
  const REQUIRED_RESOURCE_PARAMS = ['namespace', 'resourceName', 'kind', 'version'] as const;

  /**
   * ResourceTree, GetResource and RunResourceAction (server/application/application.go): the app
   * must exist (404 only with a project, as for Get), a resource is looked up by namespace, name,
   * group, version and kind among the tree's nodes; an action runs only on a managed object (one in
   * `status.resources`, not a child) and only if the kind offers it (CronJob: `create-job`).
   */
  async function handleResource(
    request: IncomingMessage,
    record: RecordedRequest,
    url: URL,
    rawName: string,
    what: string,
  ): Promise<{ status: number; body: unknown }> {
    const name = decodeURIComponent(rawName);
    record.name = name;
    const isAction = what === 'resource/actions';
    if (request.method !== (isAction ? 'POST' : 'GET'))
      return { status: 404, body: argoError('Not Found', CODE.notFound) };
    let action: unknown;
    if (isAction) {
      const text = await readBody(request);
      try {
        action = JSON.parse(text);
        record.body = action;
      } catch {
        return { status: 400, body: argoError('invalid character in request body', CODE.invalidArgument) };
      }
      // The body is the `action` field itself: a JSON string.
      if (typeof action !== 'string')
        return {
          status: 400,
          body: argoError('json: cannot unmarshal object into Go value of type string', CODE.invalidArgument),
        };
    }
    const project = url.searchParams.get('project') ?? undefined;
    const app = await lookup(name, undefined);
    if (!app || (project !== undefined && (app.spec?.project || 'default') !== project)) {
      return project === undefined
        ? { status: 403, body: argoError('permission denied', CODE.permissionDenied) }
        : { status: 404, body: argoError(notFoundMessage(name), CODE.notFound) };
    }
    const tree = trees.get(name) ?? { nodes: [], manifests: {} };
    if (what === 'resource-tree') return { status: 200, body: { nodes: tree.nodes } };

    const query = (key: string) => url.searchParams.get(key) ?? '';
    for (const key of REQUIRED_RESOURCE_PARAMS) {
      if (!query(key)) return { status: 400, body: argoError(`${key} is required`, CODE.invalidArgument) };
    }
    const node = tree.nodes.find(
      (n) =>
        n.name === query('resourceName') &&
        n.kind === query('kind') &&
        (n.group ?? '') === query('group') &&
        n.version === query('version') &&
        (n.namespace ?? '') === query('namespace'),
    );
    const notThere = {
      status: 404,
      body: argoError(
        `${query('kind')} ${query('namespace')}/${query('resourceName')} not found as part of application ${name}`,
        CODE.notFound,
      ),
    };
    if (!node) return notThere;
    if (!isAction) {
      const manifest = tree.manifests[`${node.kind}/${node.name}`] ?? node;
      return { status: 200, body: { manifest: JSON.stringify(manifest) } };
    }
    const managed = (app.status?.resources ?? []).some((r) => r.kind === node.kind && r.name === node.name);
    if (!managed) return notThere;
    const offered = node.kind === 'CronJob' ? ['create-job'] : node.kind === 'Deployment' ? ['restart'] : [];
    if (!offered.includes(action as string))
      return { status: 400, body: argoError(`action ${String(action)} not found`, CODE.invalidArgument) };
    actions.push({
      name,
      action: action as string,
      namespace: query('namespace'),
      resourceName: query('resourceName'),
      kind: query('kind'),
      group: query('group'),
      version: query('version'),
    });
    return { status: 200, body: {} };
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const record: RecordedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      query: {},
      authorized: request.headers.authorization === `Bearer ${options.token}`,
      status: 0,
    };
    requests.push(record);
    const reply = (status: number, body: unknown, contentType = 'application/json') => {
      record.status = status;
      response.writeHead(status, { 'content-type': contentType });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    (async () => {
      if (!record.authorized) {
        const message = request.headers.authorization
          ? 'invalid session: token signature is invalid'
          : 'no session information';
        return reply(401, argoError(message, CODE.unauthenticated));
      }
      const script = scripted.shift();
      if (script) {
        record.path = new URL(request.url ?? '/', 'http://fake').pathname;
        return reply(script.status, script.body, script.contentType);
      }
      const { status, body } = await handle(request, record);
      return reply(status, body);
    })().catch((error: Error) => reply(500, argoError(error.message, 2)));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    refreshes,
    syncs,
    actions,
    setTree(name, nodes, manifests = {}) {
      trees.set(name, { nodes: structuredClone(nodes), manifests: structuredClone(manifests) });
    },
    setApp(name, state) {
      settling.delete(name);
      if (state) apps.set(name, structuredClone(state));
      else apps.delete(name);
    },
    app: (name) => lookup(name, undefined),
    respondNext(response, times = 1) {
      for (let i = 0; i < times; i++) scripted.push(response);
    },
    reconcile: () => reconcileAll(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (timer) clearInterval(timer);
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
