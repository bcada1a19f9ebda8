import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncApp, SyncService } from '../../../shared/deploy-ports.ts';
import { type AppState, type FakeArgoCd, startFakeArgoCd } from '../../../testing/fakes/argocd.ts';
import {
  type ArgoCdSyncServiceOptions,
  argoProjectOf,
  createArgoCdSyncService,
} from './argocd-sync-service.ts';

const TOKEN = 'argocd-api-token-s3cr3t-0123456789';
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const app: SyncApp = {
  name: 'storefront-w0abc123def45-production',
  path: 'apps/w0abc123def45/alice/storefront/production',
  namespace: 'payments-w0abc123def45',
};
const PROJECT = 'wharf-w0abc123def45';

/** An app as Argo CD serves it, Synced and Healthy at `revision` after one successful sync. */
function appState(revision = OLD, patch: (state: AppState) => void = () => {}): AppState {
  const state: AppState = {
    metadata: { name: app.name, namespace: 'argocd' },
    spec: {
      project: PROJECT,
      source: { repoURL: 'https://github.com/acme/gitops.git', path: app.path, targetRevision: 'main' },
    },
    status: {
      sync: { status: 'Synced', revision },
      health: { status: 'Healthy' },
      operationState: {
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        operation: { sync: { revision } },
        syncResult: { revision },
      },
      history: [{ id: 1, revision }],
    },
  };
  patch(state);
  return state;
}

/** The branch moved to NEW and Argo CD has compared it, nothing applied yet. */
const comparedNew = (state: AppState) => {
  if (!state.status?.sync) throw new Error('no sync');
  state.status.sync = { status: 'OutOfSync', revision: NEW };
};

let fake: FakeArgoCd;
let sync: SyncService;
const service = (options: Partial<ArgoCdSyncServiceOptions> = {}) =>
  createArgoCdSyncService({ url: fake.url, token: TOKEN, ...options });

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

beforeEach(async () => {
  fake = await startFakeArgoCd({ token: TOKEN });
  sync = service();
});
afterEach(async () => {
  await fake.close();
});

describe('requestSync', () => {
  it('asks for a normal refresh, with the bearer token and the app project, and leaves syncing to automated sync', async () => {
    fake.setApp(app.name, appState());
    await sync.requestSync(app, NEW);
    expect(fake.refreshes).toEqual([{ name: app.name, kind: 'normal' }]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: `/api/v1/applications/${app.name}`,
      query: { refresh: ['normal'], project: [PROJECT] },
      authorized: true,
      status: 200,
    });
    expect(fake.syncs).toEqual([]);
  });

  it('asks for a hard refresh when configured', async () => {
    fake.setApp(app.name, appState());
    await service({ refresh: 'hard' }).requestSync(app, NEW);
    expect(fake.refreshes).toEqual([{ name: app.name, kind: 'hard' }]);
  });

  it('syncs exactly the revision, with prune, when automated sync is off', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) => Object.assign(s.spec ?? {}, { syncPolicy: {} })),
    );
    await sync.requestSync(app, NEW);
    expect(fake.syncs).toEqual([{ name: app.name, revision: NEW, prune: true, project: PROJECT }]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/v1/applications/${app.name}`,
      `POST /api/v1/applications/${app.name}/sync`,
    ]);
  });

  it('treats automated sync with enabled: false (Argo CD 3) as off', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) =>
        Object.assign(s.spec ?? {}, { syncPolicy: { automated: { prune: true, enabled: false } } }),
      ),
    );
    await sync.requestSync(app, NEW);
    expect(fake.syncs.map((s) => s.revision)).toEqual([NEW]);
  });

  it('does not sync again what is already synced, or already being synced to that revision', async () => {
    const manual = { syncPolicy: {} };
    fake.setApp(
      app.name,
      appState(NEW, (s) => Object.assign(s.spec ?? {}, manual)),
    );
    await sync.requestSync(app, NEW);
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        Object.assign(s.spec ?? {}, manual);
        s.operation = { sync: { revision: NEW } };
      }),
    );
    await sync.requestSync(app, NEW);
    expect(fake.syncs).toEqual([]);
  });

  it('accepts "another operation is already in progress" (Argo CD 400) and a 409 as a running sync', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        Object.assign(s.spec ?? {}, { syncPolicy: {} });
        s.operation = { sync: { revision: OLD } };
      }),
    );
    await expect(sync.requestSync(app, NEW)).resolves.toBeUndefined();
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', status: 400 });

    fake.respondNext({
      status: 200,
      body: appState(OLD, (s) => Object.assign(s.spec ?? {}, { syncPolicy: {} })),
    });
    fake.respondNext({ status: 409, body: { error: 'conflict', code: 10, message: 'conflict' } });
    await expect(sync.requestSync(app, NEW)).resolves.toBeUndefined();
  });

  it('does nothing for an application the ApplicationSet has not generated yet', async () => {
    await expect(sync.requestSync(app, NEW)).resolves.toBeUndefined();
    expect(fake.requests).toMatchObject([{ method: 'GET', status: 404 }]);
    expect(fake.syncs).toEqual([]);
  });
});

describe("against Argo CD's application controller", () => {
  let head = OLD;
  let controlled: FakeArgoCd;
  let adapter: SyncService;
  const generated = (syncPolicy?: NonNullable<AppState['spec']>['syncPolicy']): AppState => ({
    spec: {
      project: PROJECT,
      source: { repoURL: 'https://github.com/acme/gitops.git', path: app.path, targetRevision: 'main' },
      ...(syncPolicy ? { syncPolicy } : {}),
    },
  });
  /** Polls status() as CheckSync does until the app runs `revision` Synced and settled, or gives up. */
  const waitFor = async (revision: string) => {
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      const status = await adapter.status(app);
      const line = `${status.revision === revision ? 'at' : 'not at'} ${status.sync} ${status.health}`;
      if (seen.at(-1) !== line) seen.push(line);
      if (status.revision === revision && status.sync === 'Synced' && status.health !== 'Progressing')
        return { status, seen };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`never at ${revision}: ${seen.join(', ')}`);
  };

  beforeEach(async () => {
    head = OLD;
    controlled = await startFakeArgoCd({
      token: TOKEN,
      controller: {
        intervalMs: 50,
        resolveRevision: () => head,
        rollout: (_name, revision) =>
          revision === 'c'.repeat(40)
            ? { health: 'Degraded', message: 'Deployment "storefront" exceeded its progress deadline' }
            : { health: 'Healthy' },
      },
    });
    adapter = createArgoCdSyncService({ url: controlled.url, token: TOKEN });
  });
  afterEach(async () => {
    await controlled.close();
  });

  it('under automated sync refreshes and lets the controller apply the commit: no /sync, never an early "at the commit"', async () => {
    controlled.setApp(app.name, generated());
    await adapter.requestSync(app, OLD);
    await waitFor(OLD);
    head = NEW;
    await adapter.requestSync(app, NEW);
    const { status, seen } = await waitFor(NEW);
    expect(status).toEqual({ revision: NEW, sync: 'Synced', health: 'Healthy' });
    // Until the new objects are applied the adapter reports the old revision, never NEW with old health.
    expect(seen[0]).toMatch(/^not at /);
    // Asked again once another commit moved the branch on (CheckSync re-requests now and then): a
    // sync to NEW would be refused ("auto-sync currently set to main"); the adapter only refreshes.
    head = 'd'.repeat(40);
    await expect(adapter.requestSync(app, NEW)).resolves.toBeUndefined();
    expect(controlled.syncs).toEqual([]);
    expect(controlled.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(controlled.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('reports a Degraded rollout at the commit with the resource words', async () => {
    const BAD = 'c'.repeat(40);
    controlled.setApp(app.name, generated());
    head = BAD;
    await adapter.requestSync(app, BAD);
    const { status } = await waitFor(BAD);
    expect(status).toEqual({
      revision: BAD,
      sync: 'Synced',
      health: 'Degraded',
      message:
        'Deployment storefront-w0abc123def45-production: Deployment "storefront" exceeded its progress deadline',
    });
  });

  it('without automated sync asks for exactly the commit, and the controller applies it', async () => {
    controlled.setApp(app.name, generated({}));
    head = NEW;
    await adapter.requestSync(app, NEW);
    expect(controlled.syncs).toEqual([{ name: app.name, revision: NEW, prune: true, project: PROJECT }]);
    // Asked again while that sync runs: accepted as already under way.
    await adapter.requestSync(app, NEW);
    expect((await waitFor(NEW)).status).toEqual({ revision: NEW, sync: 'Synced', health: 'Healthy' });
  });
});

describe('status', () => {
  it('refreshes (normal) and reports the revision the app is synced to: another commit is not done', async () => {
    fake.setApp(app.name, appState(OLD));
    expect(await sync.status(app)).toEqual({ revision: OLD, sync: 'Synced', health: 'Healthy' });
    expect(fake.refreshes).toEqual([{ name: app.name, kind: 'normal' }]);
  });

  it('reports Synced and Healthy at the commit', async () => {
    fake.setApp(app.name, appState(NEW));
    expect(await sync.status(app)).toEqual({ revision: NEW, sync: 'Synced', health: 'Healthy' });
  });

  it('reports OutOfSync at the previous commit while the new one is compared but not applied', async () => {
    fake.setApp(app.name, appState(OLD, comparedNew));
    expect(await sync.status(app)).toEqual({ revision: OLD, sync: 'OutOfSync', health: 'Healthy' });
  });

  it('reports a running sync at the last synced revision, in Argo CD words', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        comparedNew(s);
        if (!s.status) return;
        s.status.health = { status: 'Progressing' };
        s.status.operationState = {
          phase: 'Running',
          message: 'waiting for healthy state of apps/Deployment/storefront',
          operation: { sync: { revision: NEW } },
        };
      }),
    );
    expect(await sync.status(app)).toEqual({
      revision: OLD,
      sync: 'OutOfSync',
      health: 'Progressing',
      message: 'waiting for healthy state of apps/Deployment/storefront',
    });
  });

  it("reports Degraded at the commit quoting the resource's health message (the app's own is deprecated)", async () => {
    const degraded = (s: AppState) => {
      if (!s.status) return;
      s.status.health = { status: 'Degraded' };
      s.status.resources = [
        { group: 'apps', version: 'v1', kind: 'Service', name: 'storefront', health: { status: 'Healthy' } },
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: app.namespace,
          name: 'storefront',
          status: 'Synced',
          health: { status: 'Degraded', message: 'Deployment "storefront" exceeded its progress deadline' },
        },
      ];
    };
    fake.setApp(app.name, appState(NEW, degraded));
    expect(await sync.status(app)).toEqual({
      revision: NEW,
      sync: 'Synced',
      health: 'Degraded',
      message: 'Deployment storefront: Deployment "storefront" exceeded its progress deadline',
    });
    fake.setApp(
      app.name,
      appState(NEW, (s) => {
        degraded(s);
        if (s.status) s.status.health = { status: 'Degraded', message: 'Back-off pulling image' };
      }),
    );
    expect((await sync.status(app)).message).toBe(
      'Deployment storefront: Deployment "storefront" exceeded its progress deadline',
    );
    // An older Argo CD that sets only the app's message: that is quoted.
    fake.setApp(
      app.name,
      appState(NEW, (s) => {
        if (s.status) s.status.health = { status: 'Degraded', message: 'Back-off pulling image' };
      }),
    );
    expect((await sync.status(app)).message).toBe('Back-off pulling image');
  });

  it('reports Missing without a revision for a generated app not synced yet, and at the commit after a sync', async () => {
    fake.setApp(app.name, {
      spec: { project: PROJECT },
      status: { sync: { status: 'OutOfSync', revision: NEW }, health: { status: 'Missing' } },
    });
    expect(await sync.status(app)).toEqual({ revision: undefined, sync: 'OutOfSync', health: 'Missing' });

    fake.setApp(
      app.name,
      appState(NEW, (s) => {
        if (s.status) s.status.health = { status: 'Missing' };
      }),
    );
    expect(await sync.status(app)).toMatchObject({ revision: NEW, sync: 'Synced', health: 'Missing' });
  });

  it('reports a failed sync of the commit as operationFailed with its message', async () => {
    const message =
      'one or more objects failed to apply, reason: Deployment.apps "storefront" is invalid: spec.template.spec.containers[0].image: Required value';
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        comparedNew(s);
        if (!s.status) return;
        s.status.operationState = {
          phase: 'Failed',
          message,
          operation: { sync: { revision: NEW } },
          syncResult: { revision: NEW },
        };
      }),
    );
    expect(await sync.status(app)).toEqual({
      revision: NEW,
      sync: 'OutOfSync',
      health: 'Healthy',
      message,
      operationFailed: true,
    });
  });

  it('counts an Error phase with an unknown revision as failed', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        comparedNew(s);
        if (s.status) s.status.operationState = { phase: 'Error', message: 'rpc error: code = Unknown' };
      }),
    );
    expect(await sync.status(app)).toMatchObject({
      revision: NEW,
      operationFailed: true,
      message: 'rpc error: code = Unknown',
    });
  });

  it('does not let a failed sync of an older revision fail the new one', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        comparedNew(s);
        if (!s.status) return;
        s.status.operationState = {
          phase: 'Failed',
          message: 'one or more synchronization tasks completed unsuccessfully',
          operation: { sync: { revision: OLD } },
          syncResult: { revision: OLD },
        };
      }),
    );
    const status = await sync.status(app);
    expect(status.operationFailed).toBeUndefined();
    expect(status.revision).toBe(OLD);
    expect(status.message).toBeUndefined();
  });

  it('quotes an error condition when Argo CD cannot compare the app', async () => {
    fake.setApp(
      app.name,
      appState(OLD, (s) => {
        if (!s.status) return;
        s.status.sync = { status: 'Unknown', revision: NEW };
        s.status.health = { status: 'Healthy' };
        s.status.conditions = [
          { type: 'SharedResourceWarning', message: 'Service/storefront is part of other apps' },
          {
            type: 'ComparisonError',
            message: 'Failed to load target state: manifests.yaml: error converting YAML',
          },
        ];
      }),
    );
    expect(await sync.status(app)).toMatchObject({
      sync: 'Unknown',
      message: 'ComparisonError: Failed to load target state: manifests.yaml: error converting YAML',
    });
  });

  it('reads a multi-source app by its first source', async () => {
    fake.setApp(
      app.name,
      appState(NEW, (s) => {
        if (!s.status) return;
        s.status.sync = { status: 'Synced', revisions: [NEW, OLD] };
      }),
    );
    expect((await sync.status(app)).revision).toBe(NEW);
  });

  it('maps statuses it does not know to Unknown', async () => {
    fake.setApp(app.name, {
      spec: { project: PROJECT },
      status: {
        sync: { status: 'Drifting' as never, revision: NEW },
        health: { status: 'Pending' as never },
      },
    });
    expect(await sync.status(app)).toMatchObject({ sync: 'Unknown', health: 'Unknown' });
  });

  it('reports an application that does not exist yet (404) as Missing with no revision, saying so', async () => {
    const status = await sync.status(app);
    expect(status).toEqual({ sync: 'Unknown', health: 'Missing', message: expect.any(String) });
    expect(status.message).toContain(`no application ${app.name} yet`);
    expect(fake.requests[0]).toMatchObject({ status: 404, query: { project: [PROJECT] } });
  });
});

describe('errors', () => {
  it('says Argo CD rejected the token on 401, without ever quoting a token', async () => {
    fake.setApp(app.name, appState());
    const wrong = 'wrong-token-value-987654';
    const error = await rejection(service({ token: wrong }).status(app));
    expect(error.name).toBe('ArgoCdUnauthorized');
    expect(error.message).toMatch(
      /rejected Wharf's API token \(invalid session: token signature is invalid\)/,
    );
    expect(error.message).not.toContain(wrong);
    expect(fake.requests[0]).toMatchObject({ authorized: false, status: 401 });
  });

  it('redacts the token even when Argo CD quotes it back', async () => {
    fake.respondNext({
      status: 403,
      body: { error: 'x', code: 7, message: `permission denied for ${TOKEN}` },
    });
    const error = await rejection(sync.requestSync(app, NEW));
    expect(error.name).toBe('ArgoCdUnauthorized');
    expect(error.message).toContain(`applications in project ${PROJECT}`);
    expect(error.message).not.toContain(TOKEN);
  });

  it('throws a TransientError on 5xx and 429, and on a network failure', async () => {
    fake.respondNext({ status: 503, body: '<html>Service Unavailable</html>', contentType: 'text/html' });
    const unavailable = await rejection(sync.status(app));
    expect(unavailable).toMatchObject({ name: 'TransientError' });
    expect(unavailable.message).toContain('HTTP 503');
    expect(unavailable.message).not.toContain('<html>');

    fake.respondNext({
      status: 500,
      body: {
        error: 'application refresh deadline exceeded',
        code: 2,
        message: 'application refresh deadline exceeded',
      },
    });
    const internal = await rejection(sync.requestSync(app, NEW));
    expect(internal).toMatchObject({ name: 'TransientError' });
    expect(internal.message).toContain('application refresh deadline exceeded');

    fake.respondNext({ status: 429, body: 'slow down', contentType: 'text/plain' });
    expect(await rejection(sync.status(app))).toMatchObject({ name: 'TransientError' });

    const closed = await startFakeArgoCd({ token: TOKEN });
    await closed.close();
    const offline = await rejection(service({ url: closed.url }).status(app));
    expect(offline).toMatchObject({ name: 'TransientError' });
    expect(offline.message).toMatch(/could not read application .*: ECONNREFUSED/);
  });

  it('throws a TransientError when Argo CD does not answer in time', async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const error = await rejection(service({ fetch: hanging, timeoutMs: 50 }).status(app));
    expect(error).toMatchObject({
      name: 'TransientError',
      message: expect.stringContaining('no answer within'),
    });
  });

  it('fails clearly (never a TypeError) on a body that is not JSON or not an Application', async () => {
    fake.respondNext({
      status: 200,
      body: '<!doctype html><title>Argo CD</title>',
      contentType: 'text/html',
    });
    const html = await rejection(sync.status(app));
    expect(html.name).toBe('ArgoCdInvalidResponse');
    expect(html.message).toMatch(/not JSON.*points at the Argo CD API server/);

    fake.respondNext({
      status: 200,
      body: { metadata: { name: app.name }, status: { sync: { status: 5 } } },
    });
    const shape = await rejection(sync.status(app));
    expect(shape.name).toBe('ArgoCdInvalidResponse');
    expect(shape.message).toContain('status.sync.status');

    fake.respondNext({ status: 200, body: 'null' });
    expect(await rejection(sync.requestSync(app, NEW))).toMatchObject({ name: 'ArgoCdInvalidResponse' });
  });

  it('does not take a 404 that is not Argo CD "application not found" for a missing app', async () => {
    fake.respondNext({ status: 404, body: '<h1>404 Not Found</h1>', contentType: 'text/html' });
    const error = await rejection(sync.status(app));
    expect(error).toMatchObject({
      name: 'ArgoCdRequestFailed',
      message: expect.stringContaining('HTTP 404'),
    });
  });

  it('fails the step with Argo CD words on another refusal', async () => {
    fake.respondNext({
      status: 200,
      body: appState(OLD, (s) => Object.assign(s.spec ?? {}, { syncPolicy: {} })),
    });
    fake.respondNext({
      status: 400,
      body: { error: 'x', code: 9, message: 'application is deleting' },
    });
    const error = await rejection(sync.requestSync(app, NEW));
    expect(error).toMatchObject({ name: 'ArgoCdRequestFailed' });
    expect(error.message).toContain('refused to sync application');
    expect(error.message).toContain('application is deleting');
  });

  it('checks its settings at creation without quoting the token', () => {
    expect(() => createArgoCdSyncService({ url: 'argocd', token: TOKEN })).toThrow(/not a URL/);
    expect(() => createArgoCdSyncService({ url: 'ftp://argocd', token: TOKEN })).toThrow(/http/);
    expect(() => createArgoCdSyncService({ url: 'https://u:p@argocd', token: TOKEN })).toThrow(/credentials/);
    const bad = `${TOKEN}\n`;
    try {
      createArgoCdSyncService({ url: 'https://argocd', token: bad });
      throw new Error('accepted');
    } catch (error) {
      expect((error as Error).message).toMatch(/token is empty or has characters/);
      expect((error as Error).message).not.toContain(TOKEN);
    }
  });
});

describe('names and URLs', () => {
  it('encodes the application name in the path', async () => {
    const odd: SyncApp = { ...app, name: 'odd name/ü?#%&x' };
    fake.setApp(
      odd.name,
      appState(NEW, (s) => Object.assign(s.spec ?? {}, { syncPolicy: {} })),
    );
    expect((await sync.status(odd)).revision).toBe(NEW);
    await sync.requestSync(odd, OLD);
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/api/v1/applications/odd%20name%2F%C3%BC%3F%23%25%26x',
      '/api/v1/applications/odd%20name%2F%C3%BC%3F%23%25%26x',
      '/api/v1/applications/odd%20name%2F%C3%BC%3F%23%25%26x/sync',
    ]);
    expect(fake.requests.map((r) => r.name)).toEqual([odd.name, odd.name, odd.name]);
    expect(fake.syncs).toMatchObject([{ name: odd.name, revision: OLD }]);
  });

  it('keeps a root path in the Argo CD URL', async () => {
    const seen: string[] = [];
    const recording: typeof fetch = async (url) => {
      seen.push(String(url));
      return new Response(JSON.stringify(appState()), { status: 200 });
    };
    await service({ url: 'https://cd.example.com/argocd', fetch: recording }).status(app);
    expect(seen).toEqual([
      `https://cd.example.com/argocd/api/v1/applications/${app.name}?refresh=normal&project=${PROJECT}`,
    ]);
  });

  it('derives the AppProject from the GitOps folder, and sends none for a folder outside apps/', async () => {
    expect(argoProjectOf(app)).toBe(PROJECT);
    expect(argoProjectOf({ path: 'elsewhere/w0abc123def45/x' })).toBeUndefined();
    // Without a project Argo CD answers 403 for a missing app: that is an error, not "Missing".
    const error = await rejection(sync.status({ ...app, path: 'elsewhere/x' }));
    expect(error).toMatchObject({ name: 'ArgoCdUnauthorized' });
    expect(fake.requests[0]?.query.project).toBeUndefined();
  });
});

describe('workloads', () => {
  const ns = app.namespace;
  const deployment = (name: string, health: 'Healthy' | 'Progressing' = 'Healthy') => ({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: ns,
    name,
    uid: `uid-${name}`,
    health: { status: health },
  });
  const replicaSet = (name: string, owner: string) => ({
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    namespace: ns,
    name,
    uid: `uid-${name}`,
    parentRefs: [{ group: 'apps', kind: 'Deployment', namespace: ns, name: owner, uid: `uid-${owner}` }],
  });
  const pod = (
    name: string,
    owner: { kind: string; name: string },
    containers: string,
    restarts: number,
  ) => ({
    version: 'v1',
    kind: 'Pod',
    namespace: ns,
    name,
    uid: `uid-${name}`,
    parentRefs: [
      { group: 'apps', kind: owner.kind, namespace: ns, name: owner.name, uid: `uid-${owner.name}` },
    ],
    info: [
      { name: 'Status Reason', value: 'Running' },
      { name: 'Containers', value: containers },
      { name: 'Restart Count', value: String(restarts) },
    ],
    images: [`registry.example.com/shop-${owner.name}@sha256:${'1'.repeat(64)}`],
    networkingInfo: { labels: { 'app.kubernetes.io/component': 'gateway' } },
  });

  it('reads each Deployment and StatefulSet with its pods found through ReplicaSets: ready n/n, restarts, images, component', async () => {
    fake.setApp(app.name, appState());
    fake.setTree(app.name, [
      deployment('shop-gateway', 'Progressing'),
      replicaSet('shop-gateway-7d9f', 'shop-gateway'),
      replicaSet('shop-gateway-old', 'shop-gateway'),
      pod('shop-gateway-7d9f-a', { kind: 'ReplicaSet', name: 'shop-gateway-7d9f' }, '1/1', 2),
      pod('shop-gateway-7d9f-b', { kind: 'ReplicaSet', name: 'shop-gateway-7d9f' }, '0/1', 1),
      { ...deployment('db'), kind: 'StatefulSet' },
      { ...pod('db-0', { kind: 'StatefulSet', name: 'db' }, '1/1', 0), networkingInfo: { labels: {} } },
      { version: 'v1', kind: 'Service', namespace: ns, name: 'shop-gateway', uid: 'uid-svc' },
    ]);
    expect(await sync.workloads(app)).toEqual([
      {
        kind: 'Deployment',
        name: 'shop-gateway',
        component: 'gateway',
        replicas: 2,
        readyReplicas: 1,
        restarts: 3,
        images: [`registry.example.com/shop-shop-gateway-7d9f@sha256:${'1'.repeat(64)}`],
        health: 'Progressing',
      },
      {
        kind: 'StatefulSet',
        name: 'db',
        replicas: 1,
        readyReplicas: 1,
        restarts: 0,
        images: [`registry.example.com/shop-db@sha256:${'1'.repeat(64)}`],
        health: 'Healthy',
      },
    ]);
    const treeRead = fake.requests.find((r) => r.path.endsWith('/resource-tree'));
    expect(treeRead).toMatchObject({ method: 'GET', authorized: true, query: { project: [PROJECT] } });
    // Every pod told its component and counts: no per-object read.
    expect(fake.requests.some((r) => r.path.endsWith('/resource'))).toBe(false);
  });

  it('reads the live object of a workload without pods for its component label and desired replicas', async () => {
    fake.setApp(app.name, appState());
    fake.setTree(app.name, [deployment('shop-orders', 'Progressing')], {
      'Deployment/shop-orders': {
        metadata: { name: 'shop-orders', labels: { 'app.kubernetes.io/component': 'orders' } },
        spec: { replicas: 3 },
      },
    });
    expect(await sync.workloads(app)).toEqual([
      {
        kind: 'Deployment',
        name: 'shop-orders',
        component: 'orders',
        replicas: 3,
        readyReplicas: 0,
        restarts: 0,
        images: [],
        health: 'Progressing',
      },
    ]);
    expect(fake.requests.find((r) => r.path.endsWith('/resource'))?.query).toMatchObject({
      namespace: [ns],
      resourceName: ['shop-orders'],
      group: ['apps'],
      version: ['v1'],
      kind: ['Deployment'],
    });
  });

  it('is empty for an app Argo CD does not have yet, and fails clearly on a refused token or a body that is not a tree', async () => {
    expect(await sync.workloads(app)).toEqual([]);
    fake.setApp(app.name, appState());
    fake.respondNext({ status: 200, body: { nodes: [{ kind: 'Pod' }] } });
    expect((await rejection(sync.workloads(app))).message).toMatch(
      /not an application tree \(nodes\.0\.name/,
    );
    const refused = await rejection(service({ token: 'wrong-token' }).workloads(app));
    expect(refused).toMatchObject({ name: 'ArgoCdUnauthorized' });
    expect(refused.message).not.toContain('wrong-token');
  });
});

describe('runCronJob', () => {
  const cronJob = {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    namespace: app.namespace,
    name: 'orders-db-backup',
    uid: 'uid-cron',
  };
  const managed = (state: AppState) => {
    state.status = {
      ...state.status,
      resources: [
        { group: 'batch', version: 'v1', kind: 'CronJob', namespace: app.namespace, name: cronJob.name },
      ],
    };
  };

  it("runs the CronJob's built-in create-job action: the resource in the query, the action name as the body", async () => {
    fake.setApp(app.name, appState(OLD, managed));
    fake.setTree(app.name, [cronJob]);
    await sync.runCronJob(app, 'orders-db-backup');
    expect(fake.actions).toEqual([
      {
        name: app.name,
        action: 'create-job',
        namespace: app.namespace,
        resourceName: 'orders-db-backup',
        kind: 'CronJob',
        group: 'batch',
        version: 'v1',
      },
    ]);
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'POST',
      body: 'create-job',
      query: { project: [PROJECT] },
    });
  });

  it('says to deploy first when the CronJob is not part of the app, and retries on a server error', async () => {
    fake.setApp(app.name, appState());
    const missing = await rejection(sync.runCronJob(app, 'orders-db-backup'));
    expect(missing).toMatchObject({ name: 'ArgoCdRequestFailed' });
    expect(missing.message).toMatch(/CronJob .*orders-db-backup not found .*Deploy the environment first/);
    fake.respondNext({ status: 503, body: { error: 'unavailable', code: 14, message: 'unavailable' } });
    expect(await rejection(sync.runCronJob(app, 'orders-db-backup'))).toMatchObject({
      name: 'TransientError',
    });
    expect(fake.actions).toEqual([]);
  });
});
