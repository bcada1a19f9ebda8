import { afterEach, describe, expect, it } from 'vitest';
import { type AppState, type FakeArgoCd, startFakeArgoCd } from './argocd.ts';

const TOKEN = 'fake-argocd-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let fake: FakeArgoCd | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const get = async (path: string, headers: Record<string, string> = auth) => {
  const response = await fetch(`${fake?.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as any };
};
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${fake?.url}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

const app = (project = 'wharf-w1'): AppState => ({
  spec: { project },
  status: { sync: { status: 'Synced', revision: 'c1' }, health: { status: 'Healthy' } },
});

describe('fake Argo CD', () => {
  it('answers like Argo CD without a valid bearer token', async () => {
    fake = await startFakeArgoCd({ token: TOKEN });
    expect(await get('/api/v1/applications/a', {})).toEqual({
      status: 401,
      body: { error: 'no session information', code: 16, message: 'no session information' },
    });
    expect(await get('/api/v1/applications/a', { authorization: 'Bearer nope' })).toEqual({
      status: 401,
      body: {
        error: 'invalid session: token signature is invalid',
        code: 16,
        message: 'invalid session: token signature is invalid',
      },
    });
  });

  it('answers 404 for a missing app only when a project is named, 403 otherwise', async () => {
    fake = await startFakeArgoCd({ token: TOKEN });
    expect(await get('/api/v1/applications/a?project=wharf-w1')).toEqual({
      status: 404,
      body: {
        error: 'applications.argoproj.io "a" not found',
        code: 5,
        message: 'applications.argoproj.io "a" not found',
      },
    });
    expect(await get('/api/v1/applications/a')).toMatchObject({
      status: 403,
      body: { code: 7, message: 'permission denied' },
    });
    fake.setApp('a', app('wharf-w2'));
    expect((await get('/api/v1/applications/a?project=wharf-w1')).status).toBe(404);
    expect((await get('/api/v1/applications/a?project=wharf-w1&project=wharf-w2')).status).toBe(400);
  });

  it('serves the app with its name, namespace and the default automated policy, and records refreshes', async () => {
    fake = await startFakeArgoCd({ token: TOKEN });
    fake.setApp('a', app());
    const { body } = await get('/api/v1/applications/a?refresh=normal&project=wharf-w1');
    expect(body).toMatchObject({
      metadata: { name: 'a', namespace: 'argocd' },
      spec: { project: 'wharf-w1', syncPolicy: { automated: { prune: true, selfHeal: true } } },
    });
    await get('/api/v1/applications/a?refresh=hard');
    await get('/api/v1/applications/a?refresh=true');
    await get('/api/v1/applications/a');
    expect(fake.refreshes).toEqual([
      { name: 'a', kind: 'normal' },
      { name: 'a', kind: 'hard' },
      { name: 'a', kind: 'normal' },
    ]);
  });

  it('derives apps from a resolver, with the refresh kind, and lets set apps take precedence', async () => {
    const asked: unknown[] = [];
    let head = 'c1';
    fake = await startFakeArgoCd({
      token: TOKEN,
      automated: false,
      resolveApp: async (name, context) => {
        asked.push([name, context.refresh]);
        return name === 'gen' ? { status: { sync: { status: 'Synced', revision: head } } } : undefined;
      },
    });
    expect((await get('/api/v1/applications/gen?refresh=hard')).body).toMatchObject({
      spec: { syncPolicy: {} },
      status: { sync: { revision: 'c1' } },
    });
    head = 'c2';
    expect((await get('/api/v1/applications/gen')).body.status.sync.revision).toBe('c2');
    expect(asked).toEqual([
      ['gen', 'hard'],
      ['gen', undefined],
    ]);
    fake.setApp('gen', { status: { sync: { status: 'OutOfSync', revision: 'c0' } } });
    expect((await get('/api/v1/applications/gen')).body.status.sync.revision).toBe('c0');
  });

  it('records syncs, refuses one without a revision or during another operation, and applies onSync', async () => {
    fake = await startFakeArgoCd({
      token: TOKEN,
      automated: false,
      onSync: (request, current) => ({
        ...current,
        status: { sync: { status: 'Synced', revision: request.revision } },
      }),
    });
    fake.setApp('a', app());
    expect(await post('/api/v1/applications/a/sync', { prune: true })).toMatchObject({
      status: 400,
      body: { code: 3, message: 'revision is required' },
    });
    const accepted = await post('/api/v1/applications/a/sync', {
      revision: 'c2',
      prune: true,
      project: 'wharf-w1',
    });
    expect(accepted).toMatchObject({
      status: 200,
      body: { operation: { sync: { revision: 'c2', prune: true } } },
    });
    expect(fake.syncs).toEqual([{ name: 'a', revision: 'c2', prune: true, project: 'wharf-w1' }]);
    expect((await fake.app('a'))?.status?.sync?.revision).toBe('c2');

    fake.setApp('a', { ...app(), operation: { sync: { revision: 'c2' } } });
    expect(await post('/api/v1/applications/a/sync', { revision: 'c3' })).toMatchObject({
      status: 400,
      body: { code: 9, message: 'error setting app operation: another operation is already in progress' },
    });
    expect(fake.syncs).toHaveLength(1);
  });

  it('plays scripted responses and logs every request', async () => {
    fake = await startFakeArgoCd({ token: TOKEN });
    fake.respondNext({ status: 502, body: 'Bad Gateway', contentType: 'text/plain' }, 2);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${fake.url}/api/v1/applications/a`, { headers: auth });
      expect([response.status, await response.text()]).toEqual([502, 'Bad Gateway']);
    }
    expect((await get('/api/v1/applications/a?project=p')).status).toBe(404);
    expect(fake.requests.map((r) => r.status)).toEqual([502, 502, 404]);
    expect(fake.requests[2]).toMatchObject({
      method: 'GET',
      name: 'a',
      query: { project: ['p'] },
      authorized: true,
    });
  });

  it('refuses a sync to another revision than the target while automated sync is on, as Argo CD does', async () => {
    fake = await startFakeArgoCd({ token: TOKEN });
    const tracked: AppState = {
      spec: { project: 'wharf-w1', source: { repoURL: 'r', path: 'p', targetRevision: 'main' } },
      status: { sync: { status: 'OutOfSync', revision: 'c2' } },
    };
    fake.setApp('a', tracked);
    expect(await post('/api/v1/applications/a/sync', { revision: 'c2', prune: true })).toEqual({
      status: 400,
      body: {
        error: 'Cannot sync to c2: auto-sync currently set to main',
        code: 9,
        message: 'Cannot sync to c2: auto-sync currently set to main',
      },
    });
    // The tracked branch itself, or a dry run, is allowed; so is any revision with automated sync off
    // (also `enabled: false`).
    expect((await post('/api/v1/applications/a/sync', { revision: 'main' })).status).toBe(200);
    fake.setApp('a', tracked);
    expect((await post('/api/v1/applications/a/sync', { revision: 'c2', dryRun: true })).status).toBe(200);
    fake.setApp('a', {
      ...tracked,
      spec: { ...tracked.spec, syncPolicy: { automated: { prune: true, enabled: false } } },
    });
    expect((await post('/api/v1/applications/a/sync', { revision: 'c2' })).status).toBe(200);
    expect(fake.syncs.map((s) => s.revision)).toEqual(['main', 'c2', 'c2']);
  });

  describe('application controller', () => {
    const source = {
      repoURL: 'https://github.com/acme/gitops.git',
      path: 'apps/w1/a',
      targetRevision: 'main',
    };
    const generated = (syncPolicy?: NonNullable<AppState['spec']>['syncPolicy']): AppState => ({
      spec: { project: 'wharf-w1', source, ...(syncPolicy ? { syncPolicy } : {}) },
    });
    const settle = async (passes = 4) => {
      for (let i = 0; i < passes; i++) await fake?.reconcile();
    };

    it('under automated sync applies the branch head by itself: Running, Succeeded, Progressing, Healthy', async () => {
      let head = 'c1';
      fake = await startFakeArgoCd({
        token: TOKEN,
        controller: {
          intervalMs: 60_000,
          resolveRevision: (s) => (s.targetRevision === 'main' ? head : undefined),
        },
      });
      fake.setApp('a', generated());

      // A plain GET is the state as it is: nothing compared yet.
      expect((await get('/api/v1/applications/a')).body.status).toBeUndefined();

      // A refresh answers after the controller compared the app and started an automated sync.
      const refreshed = (await get('/api/v1/applications/a?refresh=normal')).body;
      expect(refreshed.status).toMatchObject({
        sync: { status: 'OutOfSync', revision: 'c1' },
        health: { status: 'Missing' },
      });
      expect(refreshed.operation).toMatchObject({
        sync: { revision: 'c1', prune: true },
        initiatedBy: { automated: true },
      });

      await fake.reconcile();
      expect((await fake.app('a'))?.status?.operationState).toMatchObject({
        phase: 'Running',
        message: 'one or more tasks are running',
        operation: { sync: { revision: 'c1' } },
      });
      await fake.reconcile();
      const applied = await fake.app('a');
      expect(applied?.operation).toBeUndefined();
      expect(applied?.status).toMatchObject({
        sync: { status: 'Synced', revision: 'c1' },
        health: { status: 'Progressing' },
        operationState: {
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          syncResult: { revision: 'c1' },
        },
        history: [{ id: 0, revision: 'c1' }],
      });
      await fake.reconcile();
      expect((await fake.app('a'))?.status?.health).toEqual({ status: 'Healthy' });

      // The branch moves: the next pass (no refresh needed) compares and syncs the new head.
      head = 'c2';
      await settle();
      expect((await fake.app('a'))?.status).toMatchObject({
        sync: { status: 'Synced', revision: 'c2' },
        health: { status: 'Healthy' },
        history: [{ revision: 'c1' }, { revision: 'c2' }],
      });
      expect(fake.syncs).toEqual([]);
    });

    it('runs on its own timer', async () => {
      fake = await startFakeArgoCd({
        token: TOKEN,
        controller: { intervalMs: 20, resolveRevision: () => 'c1' },
      });
      fake.setApp('a', generated());
      const deadline = Date.now() + 2_000;
      while ((await fake.app('a'))?.status?.health?.status !== 'Healthy' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await fake.app('a'))?.status).toMatchObject({
        sync: { status: 'Synced', revision: 'c1' },
        health: { status: 'Healthy' },
      });
    });

    it('settles health as the rollout says, and does not retry a failed automated sync of the same commit', async () => {
      let head = 'c1';
      fake = await startFakeArgoCd({
        token: TOKEN,
        controller: {
          intervalMs: 60_000,
          resolveRevision: () => head,
          rollout: (_app, revision) =>
            revision === 'c2'
              ? { health: 'Degraded', message: 'Deployment "a" exceeded its progress deadline' }
              : revision === 'c3'
                ? { syncFails: 'one or more objects failed to apply' }
                : { health: 'Healthy' },
        },
      });
      fake.setApp('a', generated());
      await settle();
      head = 'c2';
      await settle();
      expect((await fake.app('a'))?.status).toMatchObject({
        sync: { status: 'Synced', revision: 'c2' },
        health: { status: 'Degraded' },
        resources: [
          {
            kind: 'Deployment',
            name: 'a',
            health: { status: 'Degraded', message: 'Deployment "a" exceeded its progress deadline' },
          },
        ],
      });
      head = 'c3';
      await settle(6);
      const failed = await fake.app('a');
      expect(failed?.status).toMatchObject({
        sync: { status: 'OutOfSync', revision: 'c3' },
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          syncResult: { revision: 'c3' },
        },
        conditions: [
          {
            type: 'SyncError',
            message: 'Failed last sync attempt to [c3]: one or more objects failed to apply',
          },
        ],
      });
      expect(failed?.operation).toBeUndefined();
      expect(failed?.status?.history?.map((h) => h.revision)).toEqual(['c1', 'c2']);
    });

    it('without automated sync only compares, and applies the revision a /sync asks for', async () => {
      fake = await startFakeArgoCd({
        token: TOKEN,
        controller: { intervalMs: 60_000, resolveRevision: () => 'c2' },
      });
      fake.setApp('a', generated({}));
      await settle();
      expect((await fake.app('a'))?.status).toMatchObject({
        sync: { status: 'OutOfSync', revision: 'c2' },
        health: { status: 'Missing' },
      });
      expect((await fake.app('a'))?.operation).toBeUndefined();

      const accepted = await post('/api/v1/applications/a/sync', {
        revision: 'c1',
        prune: true,
        project: 'wharf-w1',
      });
      expect(accepted).toMatchObject({
        status: 200,
        body: { operation: { sync: { revision: 'c1', prune: true } } },
      });
      expect((await post('/api/v1/applications/a/sync', { revision: 'c2' })).body).toMatchObject({
        code: 9,
        message: 'error setting app operation: another operation is already in progress',
      });
      await settle();
      // Applied c1; still compared against the branch (c2), so OutOfSync with c1 deployed.
      expect((await fake.app('a'))?.status).toMatchObject({
        sync: { status: 'OutOfSync', revision: 'c2' },
        operationState: { phase: 'Succeeded', syncResult: { revision: 'c1' } },
        history: [{ revision: 'c1' }],
        health: { status: 'Healthy' },
      });
      expect((await post('/api/v1/applications/a/sync', { revision: 'main' })).status).toBe(200);
      await settle();
      expect((await fake.app('a'))?.status).toMatchObject({ sync: { status: 'Synced', revision: 'c2' } });
    });

    it('generates apps from the resolver once, then owns their status', async () => {
      fake = await startFakeArgoCd({
        token: TOKEN,
        resolveApp: async (name) => (name === 'gen' ? generated() : undefined),
        controller: { intervalMs: 60_000, resolveRevision: () => 'c1' },
      });
      expect(
        (await get('/api/v1/applications/gen?refresh=normal&project=wharf-w1')).body.operation,
      ).toMatchObject({
        sync: { revision: 'c1' },
      });
      await settle();
      expect((await get('/api/v1/applications/gen')).body.status).toMatchObject({
        sync: { status: 'Synced', revision: 'c1' },
        health: { status: 'Healthy' },
      });
    });
  });
});
