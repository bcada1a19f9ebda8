import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEvent, withRequest } from '../../events/load.ts';
import { httpRoutes } from '../routes.ts';

type Handler = (
  e: APIGatewayProxyEventV2WithJWTAuthorizer,
  c: Context,
) => Promise<{ statusCode: number; body?: string }>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const handlers: Record<string, Handler> = {};

/** The handlers, invoked directly with the sample events against DynamoDB Local, as Lambda would. */
beforeAll(async () => {
  const stack = inject('wharf');
  Object.assign(process.env, stack.env);
  for (const route of httpRoutes) {
    const file = new URL(`../${route.handler}.ts`, import.meta.url).href;
    handlers[route.handler] = ((await import(/* @vite-ignore */ file)) as { handler: Handler }).handler;
  }
});

const invoke = async (handler: string, event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const res = await (handlers[handler] as Handler)(event, context);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
};

describe('handlers with sample events', () => {
  it('every route has a handler module exporting `handler`', () => {
    for (const route of httpRoutes) expect(typeof handlers[route.handler], route.handler).toBe('function');
  });

  it('runs the create-project flow from the sample events', async () => {
    const caller = `events-${Date.now()}`;
    const me = await invoke('http/me/get', withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }));
    expect(me.status).toBe(200);
    const workspaceId = me.body.workspaces[0].id as string;
    const at = { workspaceId };
    for (const name of ['create-project', 'create-project-database', 'create-project-microservices']) {
      const res = await invoke(
        'http/projects/create',
        withRequest(loadEvent('apigw-http', name), { pathParameters: at, sub: caller }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const list = await invoke(
      'http/projects/list',
      withRequest(loadEvent('apigw-http', 'list-projects'), { pathParameters: at, sub: caller }),
    );
    expect(list.body.items).toHaveLength(3);
    expect(JSON.stringify(list.body)).not.toContain('sk_test_123');
    // Newest activity first (the last created), and `?q=` narrows by a part of the name, any case.
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['shop', 'orders-db', 'storefront']);
    const found = await invoke(
      'http/projects/list',
      withRequest(loadEvent('apigw-http', 'list-projects'), {
        pathParameters: at,
        sub: caller,
        query: { q: 'ORDERS' },
      }),
    );
    expect(found.body.items.map((p: { name: string }) => p.name)).toEqual(['orders-db']);
  });

  it('rejects the invalid sample events with 400', async () => {
    const me = await invoke('http/me/get', loadEvent('apigw-http', 'get-me'));
    const at = { workspaceId: me.body.workspaces[0].id };
    const invalid = await invoke(
      'http/projects/create',
      withRequest(loadEvent('apigw-http', 'create-project-invalid'), { pathParameters: at }),
    );
    expect(invalid).toMatchObject({ status: 400, body: { error: { field: 'name' } } });
    const badJson = await invoke(
      'http/projects/create',
      withRequest(loadEvent('apigw-http', 'create-project-bad-json'), { pathParameters: at }),
    );
    expect(badJson).toMatchObject({ status: 400, body: { error: { code: 'request.invalid_json' } } });
  });

  it('lists a project’s runs with the sample’s filters, and says which filter value is wrong', async () => {
    const caller = `runs-${Date.now()}`;
    const me = await invoke('http/me/get', withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }));
    const workspaceId = me.body.workspaces[0].id as string;
    const sample = loadEvent('apigw-http', 'create-project');
    // The sample's domain is held by the project the first test created: hosts are unique across workspaces.
    const { domain: _held, ...body } = JSON.parse(sample.body ?? '{}');
    const project = await invoke(
      'http/projects/create',
      withRequest(sample, { pathParameters: { workspaceId }, sub: caller, body }),
    );
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    const at = { workspaceId, projectId: project.body.id as string };
    const list = (query?: Record<string, string>) =>
      invoke(
        'http/deployments/list',
        withRequest(loadEvent('apigw-http', 'list-deployments'), {
          pathParameters: at,
          sub: caller,
          ...(query ? { query } : {}),
        }),
      );
    expect(await list()).toEqual({ status: 200, body: { items: [] } });
    const wrong = await list({ status: 'exploded' });
    expect(wrong).toMatchObject({ status: 400, body: { error: { field: 'status' } } });
    expect(wrong.body.error.message).toContain('failed');
    expect(await list({ trigger: 'cron' })).toMatchObject({
      status: 400,
      body: { error: { field: 'trigger' } },
    });
  });

  it('answers 404 for the sample ids of workspaces the caller does not belong to', async () => {
    const res = await invoke(
      'http/workspaces/get',
      withRequest(loadEvent('apigw-http', 'get-workspace'), { sub: 'stranger' }),
    );
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'workspace.not_found' } } });
  });

  it('answers 503 with a generic message when StartExecution fails, and keeps the SDK text out', async () => {
    const caller = `sfn-down-${Date.now()}`;
    const me = await invoke('http/me/get', withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }));
    const workspaceId = me.body.workspaces[0].id as string;
    const sample = loadEvent('apigw-http', 'create-project');
    // The sample's domain is held by the project the first test created: hosts are unique across workspaces.
    const { domain: _held, ...body } = JSON.parse(sample.body ?? '{}');
    const project = await invoke(
      'http/projects/create',
      withRequest(sample, { pathParameters: { workspaceId }, sub: caller, body }),
    );
    const sdkText =
      'User: arn:aws:sts::123456789012:assumed-role/wharf-deploy/fn is not authorized to perform: states:StartExecution';
    const sfn = mockClient(SFNClient);
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error(sdkText), { name: 'AccessDeniedException' }));
    try {
      const res = await invoke(
        'http/deployments/create',
        withRequest(loadEvent('apigw-http', 'create-deployment'), {
          pathParameters: { workspaceId, projectId: project.body.id },
          sub: caller,
        }),
      );
      expect(res).toMatchObject({
        status: 503,
        body: {
          error: {
            code: 'workflow.unavailable',
            message: 'Something went wrong on our side; try again. Request id KqR1vgQCvHcEJ9w=.',
            requestId: 'KqR1vgQCvHcEJ9w=',
          },
        },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/arn:aws|not authorized|StartExecution|AccessDenied/);
    } finally {
      sfn.restore();
    }
  });
});
