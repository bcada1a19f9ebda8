import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type * as z from 'zod';
import { loadEvent, withRequest } from '../../events/load.ts';
import type { RouteSpec } from '../lib/handler.ts';
import { httpRoutes, routeKey } from '../routes.ts';
import { docsPage } from './docs-page.ts';
import { openApiDocument, requestSchema } from './document.ts';
import { routeDocs } from './route-docs.ts';

type Handler = ((
  e: APIGatewayProxyEventV2WithJWTAuthorizer,
  c: Context,
) => Promise<{ statusCode: number; body?: string; headers?: Record<string, string> }>) & {
  spec: RouteSpec<unknown, unknown>;
};
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const handlers = new Map<string, Handler>();
type Operation = {
  operationId: string;
  security: unknown[];
  parameters: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };
const doc = (mode: 'local' | 'cloud') => openApiDocument({ mode }) as unknown as Doc;
const operationOf = (d: Doc, method: string, path: string) => d.paths[path]?.[method.toLowerCase()];

/** Every handler module of the route table, loaded as Lambda would (the local stack's settings). */
beforeAll(async () => {
  Object.assign(process.env, inject('wharf').env);
  for (const route of httpRoutes) {
    const file = new URL(`../${route.handler}.ts`, import.meta.url).href;
    handlers.set(route.handler, ((await import(/* @vite-ignore */ file)) as { handler: Handler }).handler);
  }
});

describe('the route docs cannot drift from the handlers', () => {
  it('has an entry for every route of the table, and none for a route that does not exist', () => {
    const keys = httpRoutes.map(routeKey).sort();
    expect(Object.keys(routeDocs('local')).sort()).toEqual(keys);
  });

  it('documents exactly the body and query schemas each handler parses with', () => {
    const docs = routeDocs('local');
    for (const route of httpRoutes) {
      const key = routeKey(route);
      const { spec } = handlers.get(route.handler) as Handler;
      const entry = docs[key] ?? {};
      expect(Boolean(spec.public), `${key}: public`).toBe(route.auth === 'none');
      expect(Boolean(spec.rawBody), `${key}: raw body`).toBe(Boolean(entry.rawBody));
      const json = (schema: z.ZodType | undefined) => (schema ? requestSchema(schema) : undefined);
      expect(json(entry.query), `${key}: query`).toEqual(json(spec.query));
      if (entry.bodyParsedByUseCase) {
        // The handler takes any JSON and hands it on; the documented schema is the use case's.
        expect(spec.body?.safeParse({ anything: [1] }).success, `${key}: body`).toBe(true);
        expect(entry.body, key).toBeDefined();
      } else {
        expect(json(entry.body), `${key}: body`).toEqual(json(spec.body));
      }
    }
  });
});

describe('GET /api/openapi.json', () => {
  it('lists every route the runtime serves with its method, auth, path parameters and schemas', () => {
    for (const mode of ['local', 'cloud'] as const) {
      const d = doc(mode);
      expect(d.openapi).toBe('3.1.0');
      const docs = routeDocs(mode);
      for (const route of httpRoutes) {
        const op = operationOf(d, route.method, route.path);
        if (route.localOnly && mode === 'cloud') {
          expect(op, `${routeKey(route)} only runs locally`).toBeUndefined();
          continue;
        }
        expect(op, `${mode}: ${routeKey(route)}`).toBeDefined();
        if (!op) continue;
        expect(op.security).toEqual(route.auth === 'jwt' ? [{ bearerAuth: [] }] : []);
        const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
        const body = docs[routeKey(route)]?.body;
        if (body) {
          expect(op.requestBody?.content['application/json']?.schema).toEqual(requestSchema(body));
        }
        expect(op.responses['4XX']).toEqual({ $ref: '#/components/responses/Error' });
      }
      const operations = Object.values(d.paths).flatMap((methods) => Object.values(methods));
      expect(operations).toHaveLength(httpRoutes.filter((r) => mode === 'local' || !r.localOnly).length);
      expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    }
  });

  it('describes query parameters from the query schemas, a default making them optional', () => {
    const logs = operationOf(
      doc('cloud'),
      'GET',
      '/api/workspaces/{workspaceId}/projects/{projectId}/deployments/{runId}/logs',
    );
    expect(logs?.parameters.filter((p) => p.in === 'query')).toEqual([
      expect.objectContaining({
        name: 'after',
        required: false,
        schema: expect.objectContaining({ type: 'integer' }),
      }),
      expect.objectContaining({ name: 'limit', required: false }),
    ]);
    const del = operationOf(doc('cloud'), 'DELETE', '/api/workspaces/{workspaceId}/projects/{projectId}');
    expect(del?.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual([
      'confirm',
      'finalBackup',
    ]);
  });

  it('marks a body that may be left out (rollback: none, {} or a reason) as not required', () => {
    const rollback = operationOf(
      doc('cloud'),
      'POST',
      '/api/workspaces/{workspaceId}/projects/{projectId}/releases/{releaseId}/rollback',
    );
    expect(rollback?.requestBody?.required).toBe(false);
    const create = operationOf(doc('cloud'), 'POST', '/api/workspaces/{workspaceId}/projects');
    expect(create?.requestBody?.required).toBe(true);
  });

  it('is served publicly, as JSON', async () => {
    const handler = handlers.get('http/openapi/get') as Handler;
    const event = withRequest(loadEvent('apigw-http', 'health'), {});
    const res = await handler(
      { ...event, routeKey: 'GET /api/openapi.json', rawPath: '/api/openapi.json' },
      context,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toContain('application/json');
    const served = JSON.parse(res.body ?? '{}') as Doc;
    expect(Object.keys(served.paths)).toContain(
      '/api/workspaces/{workspaceId}/projects/{projectId}/releases/{releaseId}/rollback',
    );
  });
});

describe('GET /api/docs', () => {
  it('renders every operation, its parameters and request schema, and the error envelope, with nothing external', async () => {
    const handler = handlers.get('http/openapi/docs') as Handler;
    const event = withRequest(loadEvent('apigw-http', 'health'), {});
    const res = await handler({ ...event, routeKey: 'GET /api/docs', rawPath: '/api/docs' }, context);
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body ?? '';
    for (const route of httpRoutes) {
      expect(html, routeKey(route)).toContain(`<code>${route.path}</code>`);
    }
    expect(html).toContain('The error envelope');
    expect(html).toContain('&quot;requestId&quot;');
    expect(html).toContain('<code>confirm</code>');
    // Self-contained: no script, and no stylesheet, font or image from another origin.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
  });

  it('escapes what it shows', () => {
    const html = docsPage({
      openapi: '3.1.0',
      info: { title: '<b>x</b>', version: '1', description: '' },
      paths: {},
      components: { schemas: { Error: {} }, responses: { Error: { description: '' } } },
    });
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('bodies that may be left out', () => {
  it('the rollback handler reads no body, whitespace, {} and { reason } alike (past parsing, to the release check)', async () => {
    const handler = handlers.get('http/releases/rollback') as Handler;
    const base = withRequest(loadEvent('apigw-http', 'create-deployment'), {
      pathParameters: { workspaceId: 'w-none', projectId: 'p-none', releaseId: 'r-none' },
    });
    for (const body of [undefined, '', '  ', '{}', '{"reason":"checkout 500s"}']) {
      const res = await handler({ ...base, body } as APIGatewayProxyEventV2WithJWTAuthorizer, context);
      // Not a 400 about the body: the request went on to look for the (unknown) workspace.
      expect(res.statusCode, String(body)).toBe(404);
    }
    const bad = await handler(
      { ...base, body: '{"reason":1}' } as APIGatewayProxyEventV2WithJWTAuthorizer,
      context,
    );
    expect(bad.statusCode).toBe(400);
  });
});
