import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RefreshKind } from '../../functions/adapters/argocd/argocd-sync-service.ts';
import type { HealthStatus } from '../../shared/deploy-ports.ts';

/**
 * An in-process Argo CD API server for tests, following the Argo CD REST API (grpc-gateway JSON):
 * `GET /api/v1/applications/{name}?refresh=normal|hard&project=…` and
 * `POST /api/v1/applications/{name}/sync`, bearer-token auth, and Argo CD's error bodies and status
 * codes (`{"error", "code", "message"}` with the gRPC code). Like Argo CD it answers 404 for a missing
 * application only when the request names a project, and 403 "permission denied" otherwise.
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
  operation?: { sync?: Revisions & { prune?: boolean } };
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
  /** Sets (or with undefined, removes) an app's state; set apps take precedence over `resolveApp`. */
  setApp(name: string, state: AppState | undefined): void;
  /** An app's state as the fake would serve it now. */
  app(name: string): Promise<AppState | undefined>;
  /** Answers the next `times` requests (after auth) with this response instead: faults, garbage. */
  respondNext(response: ScriptedResponse, times?: number): void;
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

export async function startFakeArgoCd(options: FakeArgoCdOptions): Promise<FakeArgoCd> {
  const automated = options.automated ?? true;
  const requireRevision = options.requireSyncRevision ?? true;
  const apps = new Map<string, AppState>();
  const requests: RecordedRequest[] = [];
  const refreshes: FakeArgoCd['refreshes'] = [];
  const syncs: SyncRequestRecord[] = [];
  const scripted: ScriptedResponse[] = [];

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
    const state = set ?? (await options.resolveApp?.(name, { refresh }));
    return state ? served(name, state) : undefined;
  }

  async function handle(request: IncomingMessage, record: RecordedRequest) {
    const url = new URL(request.url ?? '/', 'http://fake');
    record.path = url.pathname;
    for (const key of new Set(url.searchParams.keys())) record.query[key] = url.searchParams.getAll(key);

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
      return { status: 200, body: app };
    }

    const revision = typeof body.revision === 'string' && body.revision ? body.revision : undefined;
    if (requireRevision && !revision) {
      return { status: 400, body: argoError('revision is required', CODE.invalidArgument) };
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
    const next = await options.onSync?.(sync, app);
    if (next) apps.set(name, next);
    const operation = { sync: { ...(revision ? { revision } : {}), prune: sync.prune ?? false } };
    return { status: 200, body: { ...(next ? served(name, next) : app), operation } };
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
    setApp(name, state) {
      if (state) apps.set(name, structuredClone(state));
      else apps.delete(name);
    },
    app: (name) => lookup(name, undefined),
    respondNext(response, times = 1) {
      for (let i = 0; i < times; i++) scripted.push(response);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
