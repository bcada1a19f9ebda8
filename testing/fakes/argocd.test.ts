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
});
