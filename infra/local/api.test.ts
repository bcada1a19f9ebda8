import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { httpRoutes } from '../../functions/routes.ts';
import { type ApiClient, apiClient, signIn } from './testing/api-client.ts';

const stack = inject('wharf');
const REQUEST_ID = expect.stringMatching(/^[0-9a-f-]{36}$/);
let alice: ApiClient;
let bob: ApiClient;

const monolith = {
  name: 'storefront',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
  port: 3000,
  env: [
    { name: 'NODE_ENV', value: 'production' },
    { name: 'STRIPE_KEY', value: 'sk_live_do_not_leak', secret: true },
  ],
};
const database = { name: 'orders-db', type: 'database', engine: 'postgres', version: '16', storage: '10Gi' };
const microservices = {
  name: 'shop',
  type: 'microservices',
  repository: { url: 'https://github.com/acme/shop.git' },
  services: [
    { name: 'gateway', path: 'gateway', port: 8080, entry: true },
    { name: 'orders', path: 'services/orders', port: 8081 },
  ],
};

beforeAll(async () => {
  [alice, bob] = await Promise.all([signIn(stack, 'alice'), signIn(stack, 'bob')]);
  await Promise.all([alice.get('/api/me'), bob.get('/api/me')]);
});

async function newWorkspace(client: ApiClient, name = 'payments') {
  const res = await client.post('/api/workspaces', { name });
  expect(res.status).toBe(201);
  return res.body as { id: string; namespace: string };
}

describe('the local gateway', () => {
  it('answers health without a token', async () => {
    const res = await apiClient(stack.url).get('/api/health');
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('describes the API without a token: the OpenAPI document lists every route it serves, the page renders it', async () => {
    const res = await apiClient(stack.url).get('/api/openapi.json');
    expect(res.status).toBe(200);
    const { paths } = res.body as { paths: Record<string, Record<string, unknown>> };
    for (const route of httpRoutes) {
      expect(paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    const page = await fetch(`${stack.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<code>/api/workspaces/{workspaceId}/projects</code>');
  });

  it('refuses requests without a valid token, as the JWT authorizer does', async () => {
    expect((await apiClient(stack.url).get('/api/me')).status).toBe(401);
    const tampered = `${alice.token?.slice(0, -4)}AAAA`;
    const res = await apiClient(stack.url, tampered).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await apiClient(stack.url, 'not-a-jwt').get('/api/me')).status).toBe(401);
  });

  it('answers 401 in the one error envelope, with a request id', async () => {
    for (const res of [
      await apiClient(stack.url).get('/api/me'),
      await apiClient(stack.url, 'not-a-jwt').get('/api/me'),
    ]) {
      expect(res).toMatchObject({
        status: 401,
        body: { error: { code: 'auth.unauthorized', message: expect.any(String), requestId: REQUEST_ID } },
      });
    }
  });

  it('answers 404 for routes that do not exist, and 405 for a method a path does not take', async () => {
    const missing = await alice.get('/api/nothing-here');
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: 'route.not_found', message: expect.any(String), requestId: REQUEST_ID } },
    });
    const wrongMethod = await alice.raw('PUT', '/api/workspaces');
    expect(wrongMethod).toMatchObject({
      status: 405,
      body: { error: { code: 'method.not_allowed', message: expect.any(String), requestId: REQUEST_ID } },
    });
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('answers the web and WebSocket paths in the error envelope too (405 off the API, 426 on /ws)', async () => {
    const post = await alice.raw('POST', '/index.html');
    expect(post).toMatchObject({
      status: 405,
      body: {
        error: { code: 'method.not_allowed', message: expect.any(String), requestId: expect.any(String) },
      },
    });
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const ws = await alice.get('/ws');
    expect(ws).toMatchObject({
      status: 426,
      body: { error: { code: 'websocket.upgrade_required', requestId: expect.any(String) } },
    });
  });

  it('answers 413 in the error envelope for a body over 10 MB', async () => {
    const res = await alice.raw('POST', '/api/workspaces', undefined, 'x'.repeat(10 * 1024 * 1024 + 1));
    expect(res).toMatchObject({
      status: 413,
      body: { error: { code: 'request.too_large', message: expect.any(String), requestId: REQUEST_ID } },
    });
  });

  it('answers 400, not 500, for a malformed %-escape in the path', async () => {
    for (const path of ['/api/workspaces/%E0%A4%A', '/api/workspaces/%zz', '/api/workspaces/%']) {
      const res = await alice.get(path);
      expect(res, path).toMatchObject({
        status: 400,
        body: { error: { code: 'request.invalid', message: expect.any(String), requestId: REQUEST_ID } },
      });
    }
    const web = await fetch(`${stack.url}/%E0%A4%A`);
    expect(web.status).toBe(400);
  });

  it('serves the issuer discovery document on the same origin', async () => {
    const res = await apiClient(stack.url).get('/oidc/.well-known/openid-configuration');
    expect(res.body).toMatchObject({
      issuer: stack.issuer,
      code_challenge_methods_supported: expect.arrayContaining(['S256']),
    });
  });
});

describe('me', () => {
  it('creates exactly one personal workspace under concurrent first calls', async () => {
    const carol = await signIn(stack, 'carol');
    const results = await Promise.all(Array.from({ length: 8 }, () => carol.get('/api/me')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const ids = new Set(results.flatMap((r) => r.body.workspaces.map((w: { id: string }) => w.id)));
    expect(ids.size).toBe(1);
    const list = await carol.get('/api/workspaces');
    expect(list.body.items.filter((w: { personal: boolean }) => w.personal)).toHaveLength(1);
    expect(results[0]?.body.user).toMatchObject({ id: 'carol', username: 'carol', name: 'Carol Coder' });
  });
});

describe('workspaces and projects, as a new user would use them', () => {
  it('creates a workspace and one project of each type; secrets are never returned', async () => {
    const ws = await newWorkspace(alice);
    expect(ws.namespace).toMatch(/^payments-w[0-9a-z]{12}$/);
    const created = [];
    for (const body of [monolith, database, microservices]) {
      const res = await alice.post(`/api/workspaces/${ws.id}/projects`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      created.push(res.body);
    }
    expect(created[0].env).toEqual([
      { name: 'NODE_ENV', secret: false, value: 'production' },
      { name: 'STRIPE_KEY', secret: true, set: true },
    ]);
    const list = await alice.get(`/api/workspaces/${ws.id}/projects`);
    expect(list.body.items.map((p: { name: string }) => p.name).sort()).toEqual([
      'orders-db',
      'shop',
      'storefront',
    ]);
    expect(JSON.stringify(list.body)).not.toContain('sk_live_do_not_leak');
    const one = await alice.get(`/api/workspaces/${ws.id}/projects/${created[0].id}`);
    expect(one.body).toMatchObject({
      environments: ['staging', 'production'],
      namespaces: { staging: `${ws.namespace}-staging`, production: ws.namespace },
    });
  });

  it('enforces unique project names atomically under concurrent creates', async () => {
    const ws = await newWorkspace(alice, 'race');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        alice.post(`/api/workspaces/${ws.id}/projects`, { ...database, name: 'same' }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'project.name_taken'),
    ).toBe(true);
    expect((await alice.get(`/api/workspaces/${ws.id}/projects`)).body.items).toHaveLength(1);
  });

  it('updates a project, keeping secrets write-only', async () => {
    const ws = await newWorkspace(alice, 'edits');
    const p = (await alice.post(`/api/workspaces/${ws.id}/projects`, monolith)).body;
    const res = await alice.patch(`/api/workspaces/${ws.id}/projects/${p.id}`, {
      port: 8080,
      env: [
        { name: 'STRIPE_KEY', secret: true },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ port: 8080, revision: 2 });
    expect(res.body.env).toEqual([
      { name: 'STRIPE_KEY', secret: true, set: true },
      { name: 'LOG_LEVEL', secret: false, value: 'debug' },
    ]);
    const renamed = await alice.patch(`/api/workspaces/${ws.id}/projects/${p.id}`, { name: 'other' });
    expect(renamed).toMatchObject({
      status: 400,
      body: { error: { code: 'project.name_immutable', field: 'name' } },
    });
  });

  it('deletes a project only with confirmation, and frees its name', async () => {
    const ws = await newWorkspace(alice, 'deletes');
    const p = (await alice.post(`/api/workspaces/${ws.id}/projects`, database)).body;
    const unconfirmed = await alice.delete(`/api/workspaces/${ws.id}/projects/${p.id}`);
    expect(unconfirmed).toMatchObject({ status: 400, body: { error: { field: 'confirm' } } });
    expect((await alice.delete(`/api/workspaces/${ws.id}/projects/${p.id}?confirm=orders-db`)).status).toBe(
      204,
    );
    expect((await alice.get(`/api/workspaces/${ws.id}/projects/${p.id}`)).status).toBe(404);
    expect((await alice.post(`/api/workspaces/${ws.id}/projects`, database)).status).toBe(201);
  });

  it('pages through many projects with an opaque cursor', async () => {
    const ws = await newWorkspace(alice, 'paging');
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        alice.post(`/api/workspaces/${ws.id}/projects`, { ...database, name: `db-${i}` }),
      ),
    );
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await alice.get(
        `/api/workspaces/${ws.id}/projects?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      names.push(...res.body.items.map((p: { name: string }) => p.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(names.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `db-${i}`));
    const forged = Buffer.from(JSON.stringify({ pk: 'WS#other', sk: 'PROJECT#x' })).toString('base64url');
    const bad = await alice.get(`/api/workspaces/${ws.id}/projects?cursor=${forged}`);
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'cursor' } } });
  });

  it('answers 400, not 500, for a tampered cursor', async () => {
    const ws = await newWorkspace(alice, 'tamper');
    await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        alice.post(`/api/workspaces/${ws.id}/projects`, { ...database, name: `db-${i}` }),
      ),
    );
    const first = await alice.get(`/api/workspaces/${ws.id}/projects?limit=1`);
    const issued = JSON.parse(Buffer.from(first.body.nextCursor, 'base64url').toString('utf8'));
    const tamper = (key: Record<string, unknown>) =>
      alice.get(
        `/api/workspaces/${ws.id}/projects?cursor=${Buffer.from(JSON.stringify(key)).toString('base64url')}`,
      );
    for (const sk of ['', 'MEMBER#alice', 'x'.repeat(1200), 42]) {
      const res = await tamper({ ...issued, sk });
      expect(res, `sk ${String(sk).slice(0, 20)}`).toMatchObject({
        status: 400,
        body: { error: { code: 'request.invalid_cursor', field: 'cursor' } },
      });
    }
  });

  it('lets the owner add and remove members', async () => {
    const ws = await newWorkspace(alice, 'team');
    expect((await bob.get(`/api/workspaces/${ws.id}`)).status).toBe(404);
    expect((await alice.post(`/api/workspaces/${ws.id}/members`, { userId: 'bob' })).status).toBe(201);
    const seen = await bob.get(`/api/workspaces/${ws.id}`);
    expect(seen.body).toMatchObject({ role: 'member', namespace: ws.namespace });
    expect((await bob.post(`/api/workspaces/${ws.id}/members`, { userId: 'carol' })).status).toBe(403);
    expect((await alice.post(`/api/workspaces/${ws.id}/members`, { userId: 'nobody-yet' })).status).toBe(404);
    expect((await alice.delete(`/api/workspaces/${ws.id}/members/alice`)).body.error.code).toBe(
      'workspace.last_owner',
    );
    expect((await alice.delete(`/api/workspaces/${ws.id}/members/bob`)).status).toBe(204);
    expect((await bob.get(`/api/workspaces/${ws.id}`)).status).toBe(404);
  });
});

describe('bad input gets a 400 that names the field, and nothing is written', () => {
  it.each([
    [{ ...monolith, name: 'Store Front' }, 'name', 'lowercase'],
    [{ ...monolith, port: 0 }, 'port', '1 to 65535'],
    [{ ...monolith, repository: { url: 'file:///etc/passwd' } }, 'repository.url', 'https'],
    [
      { ...monolith, repository: { url: 'https://bob:hunter2@github.com/acme/x.git' } },
      'repository.url',
      'credentials',
    ],
    [{ ...monolith, env: [{ name: 'BAD-NAME', value: 'x' }] }, 'env.0.name', 'POSIX'],
    // A pasted URL is cleaned to its host (below); a port is not dropped silently but refused.
    [{ ...monolith, domain: 'https://shop.example.com:8443/' }, 'domain', 'hostname'],
    [{ ...database, engine: 'oracle' }, 'engine', 'one of'],
    [{ ...database, repository: { url: 'https://github.com/a/b' } }, 'repository', 'not a known field'],
    [{ ...microservices, services: [] }, 'services', 'at least one'],
    [{ name: 'x' }, 'type', 'one of'],
  ])('%j → %s', async (body, field, rule) => {
    const ws = (await alice.get('/api/workspaces')).body.items[0];
    const before = (await alice.get(`/api/workspaces/${ws.id}/projects`)).body.items.length;
    const res = await alice.post(`/api/workspaces/${ws.id}/projects`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'request.invalid', field });
    expect(res.body.error.message).toContain(rule);
    expect((await alice.get(`/api/workspaces/${ws.id}/projects`)).body.items.length).toBe(before);
  });

  it('cleans a pasted URL to its domain, and shows the CNAME to create next to the platform URL', async () => {
    const ws = (await alice.get('/api/workspaces')).body.items[0];
    const res = await alice.post(`/api/workspaces/${ws.id}/projects`, {
      ...monolith,
      name: `pasted-${Date.now().toString(36)}`,
      domain: 'https://Pasted.Example.com/',
    });
    expect(res.status).toBe(201);
    const production = res.body.pipeline.find((e: { name: string }) => e.name === 'production');
    expect(production).toMatchObject({
      domain: 'pasted.example.com',
      platformUrl: expect.stringMatching(/^http:\/\/pasted-.*\.localhost:\d+$/),
      domainCheck: { record: { type: 'CNAME', name: 'pasted.example.com', value: 'localhost' } },
    });
    expect(production.domainCheck).not.toHaveProperty('tls');
    await alice.delete(`/api/workspaces/${ws.id}/projects/${res.body.id}?confirm=${res.body.name}`);
  });

  it('rejects a body that is not JSON', async () => {
    const ws = (await alice.get('/api/workspaces')).body.items[0];
    const res = await alice.raw('POST', `/api/workspaces/${ws.id}/projects`, undefined, '{"name": ');
    expect(res).toMatchObject({
      status: 400,
      body: { error: { code: 'request.invalid_json', field: 'body' } },
    });
  });

  it('answers 500, echoing nothing, for a stored item that does not have its shape', async () => {
    const ws = await newWorkspace(alice, 'corrupted');
    const project = (await alice.post(`/api/workspaces/${ws.id}/projects`, monolith)).body;
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const doc = makeDocumentClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1' });
    await doc.send(
      new UpdateCommand({
        TableName: stack.env.WHARF_TABLE_NAME,
        Key: keys.project(ws.id, project.id),
        UpdateExpression: 'SET port = :port',
        ExpressionAttributeValues: { ':port': 'port-of-call' },
      }),
    );
    const res = await alice.get(`/api/workspaces/${ws.id}/projects/${project.id}`);
    expect(res).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
    expect(JSON.stringify(res.body)).not.toMatch(/port-of-call|Stored|PROJECT#/);
  });

  it('rejects workspace names that are not DNS-safe', async () => {
    const res = await alice.post('/api/workspaces', { name: 'My Team!' });
    expect(res).toMatchObject({ status: 400, body: { error: { field: 'name' } } });
  });
});

describe('hosts are unique across all workspaces (B9)', () => {
  it('refuses a second workspace a served domain (409), writes nothing, and frees it when the owner deletes', async () => {
    // Unique per run: the stack's table outlives one test file.
    const domain = `shop-${Date.now().toString(36)}.example.com`;
    const mine = await newWorkspace(alice, 'hosts-alice');
    const theirs = await newWorkspace(bob, 'hosts-bob');
    const shop = await alice.post(`/api/workspaces/${mine.id}/projects`, { ...monolith, domain });
    expect(shop.status).toBe(201);

    const taken = await bob.post(`/api/workspaces/${theirs.id}/projects`, {
      ...monolith,
      domain,
    });
    expect(taken).toMatchObject({
      status: 409,
      body: {
        error: { code: 'project.host_taken', field: 'domain', message: expect.stringContaining(domain) },
      },
    });
    expect((await bob.get(`/api/workspaces/${theirs.id}/projects`)).body.items).toEqual([]);

    const store = (await bob.post(`/api/workspaces/${theirs.id}/projects`, { ...monolith, name: 'store' }))
      .body;
    const patched = await bob.patch(`/api/workspaces/${theirs.id}/projects/${store.id}`, { domain });
    expect(patched).toMatchObject({
      status: 409,
      body: { error: { code: 'project.host_taken', field: 'domain' } },
    });
    expect((await bob.get(`/api/workspaces/${theirs.id}/projects/${store.id}`)).body).not.toHaveProperty(
      'domain',
    );

    const deleted = await alice.delete(
      `/api/workspaces/${mine.id}/projects/${shop.body.id}?confirm=storefront`,
    );
    expect(deleted.status).toBe(204);
    const claimed = await bob.patch(`/api/workspaces/${theirs.id}/projects/${store.id}`, { domain });
    expect(claimed).toMatchObject({ status: 200, body: { domain } });
  });
});

describe('environments', () => {
  it('gives a new project staging and production, and reads and changes each environment', async () => {
    const ws = await newWorkspace(alice, 'envs');
    const rival = await newWorkspace(bob, 'envs-rival');
    const created = await alice.post(`/api/workspaces/${ws.id}/projects`, monolith);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;
    expect(project.pipeline.map((e: { name: string; namespace: string }) => [e.name, e.namespace])).toEqual([
      ['staging', `${ws.namespace}-staging`],
      ['production', ws.namespace],
    ]);
    const base = `/api/workspaces/${ws.id}/projects/${project.id}/environments`;

    const staging = await alice.get(`${base}/staging`);
    expect(staging).toMatchObject({
      status: 200,
      body: { name: 'staging', namespace: `${ws.namespace}-staging`, trigger: 'push', env: [] },
    });
    expect(staging.body.liveUrl).toContain(staging.body.host);

    const patched = await alice.patch(`${base}/staging`, {
      env: [
        { name: 'NODE_ENV', value: 'staging' },
        { name: 'STRIPE_KEY', value: 'sk_test_do_not_leak', secret: true },
      ],
      autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuPercent: 70 },
      requiresApproval: true,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      requiresApproval: true,
      autoscaling: { minReplicas: 1, maxReplicas: 3 },
      env: [
        { name: 'NODE_ENV', secret: false, value: 'staging' },
        { name: 'STRIPE_KEY', secret: true, set: true },
      ],
    });
    const again = await alice.get(`/api/workspaces/${ws.id}/projects/${project.id}`);
    expect(JSON.stringify(again.body)).not.toContain('sk_test_do_not_leak');
    expect(again.body.pipeline[0]).toMatchObject({ name: 'staging', requiresApproval: true });

    // 400 naming the field, nothing written.
    const bad = await alice.patch(`${base}/production`, {
      autoscaling: { minReplicas: 4, maxReplicas: 2, targetCpuPercent: 70 },
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'request.invalid', field: 'autoscaling.maxReplicas' } },
    });
    expect((await alice.patch(`${base}/production`, { tagPattern: '' })).body.error.field).toBe('tagPattern');

    // A member changes settings but not the approval guard.
    expect((await alice.post(`/api/workspaces/${ws.id}/members`, { userId: 'bob' })).status).toBe(201);
    expect((await bob.patch(`${base}/production`, { trigger: 'manual' })).status).toBe(200);
    const guard = await bob.patch(`${base}/staging`, { requiresApproval: false });
    expect(guard).toMatchObject({
      status: 403,
      body: { error: { code: 'environment.owner_required', requestId: REQUEST_ID } },
    });
    expect((await alice.get(`${base}/staging`)).body.requiresApproval).toBe(true);
    expect((await alice.delete(`/api/workspaces/${ws.id}/members/bob`)).status).toBe(204);

    // Another tenant, and names that are not environments of the project: 404.
    for (const res of [
      await bob.get(`${base}/staging`),
      await bob.patch(`${base}/staging`, { replicas: 2 }),
    ]) {
      expect(res.status).toBe(404);
    }
    const solo = (
      await alice.post(`/api/workspaces/${ws.id}/projects`, {
        ...monolith,
        name: 'solo',
        environments: ['production'],
      })
    ).body;
    for (const path of [`${base}/qa`, `/api/workspaces/${ws.id}/projects/${solo.id}/environments/staging`]) {
      expect(await alice.get(path)).toMatchObject({
        status: 404,
        body: { error: { code: 'environment.not_found' } },
      });
    }

    // A domain another workspace serves: 409, nothing written.
    const domain = `envs-${Date.now().toString(36)}.example.com`;
    const theirs = await bob.post(`/api/workspaces/${rival.id}/projects`, { ...monolith, domain });
    expect(theirs.status).toBe(201);
    const taken = await alice.patch(`${base}/staging`, { domain });
    expect(taken).toMatchObject({
      status: 409,
      body: { error: { code: 'project.host_taken', field: 'domain' } },
    });
    expect((await alice.get(`${base}/staging`)).body).not.toHaveProperty('domain');
    const own = await alice.patch(`${base}/staging`, { domain: `staging.${domain}` });
    expect(own).toMatchObject({
      status: 200,
      body: { domain: `staging.${domain}`, host: `staging.${domain}` },
    });
  });
});

describe('tenancy', () => {
  it('every route with ids answers 404 or 403 to another tenant, and changes nothing', async () => {
    const ws = await newWorkspace(alice, 'private');
    const project = (await alice.post(`/api/workspaces/${ws.id}/projects`, monolith)).body;
    const ids: Record<string, string> = {
      workspaceId: ws.id,
      projectId: project.id,
      userId: 'alice',
      runId: 'r0000000000000000000',
      releaseId: 'l0000000000000000000',
      // A real environment name, so the answer is about the workspace, not a bad name.
      environment: 'production',
    };
    const bodies: Record<string, unknown> = {
      'POST /api/workspaces/{workspaceId}/members': { userId: 'bob', role: 'owner' },
      'POST /api/workspaces/{workspaceId}/projects': { ...database, name: 'intruder' },
      'PATCH /api/workspaces/{workspaceId}/projects/{projectId}': { port: 1 },
      'POST /api/workspaces/{workspaceId}/projects/{projectId}/deployments': {},
      'POST /api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/reject': { reason: 'x' },
      'PATCH /api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}': {
        requiresApproval: false,
      },
      'POST /api/workspaces/{workspaceId}/projects/{projectId}/environments/{environment}/promotions': {
        releaseId: 'l0000000000000000000',
      },
    };
    const scoped = httpRoutes.filter((r) => r.path.includes('{'));
    // Routes without ids act only on the caller's own data; every route with ids is walked.
    expect(httpRoutes.filter((r) => !r.path.includes('{')).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/health',
      'GET /api/openapi.json',
      'GET /api/docs',
      'GET /api/me',
      'GET /api/workspaces',
      'POST /api/workspaces',
      'GET /api/samples',
      'POST /api/webhooks/github',
    ]);
    for (const route of scoped) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? 'x');
      const key = `${route.method} ${route.path}`;
      const suffix =
        route.method === 'DELETE'
          ? `?confirm=${project.name}`
          : route.path.endsWith('/preview')
            ? `?releaseId=${ids.releaseId}`
            : '';
      const res = await bob.raw(route.method, path + suffix, bodies[key]);
      expect([403, 404], `${key} answered ${res.status}`).toContain(res.status);
    }
    const after = await alice.get(`/api/workspaces/${ws.id}`);
    expect(after.body.members.map((m: { userId: string }) => m.userId)).toEqual(['alice']);
    const projects = await alice.get(`/api/workspaces/${ws.id}/projects`);
    expect(projects.body.items).toEqual([
      expect.objectContaining({ id: project.id, port: 3000, revision: 1 }),
    ]);
  });
});
