import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEvent, withRequest } from '../../../events/load.ts';
import type { Release } from '../../../shared/deploy.ts';
import type { Project } from '../../../shared/domain.ts';
import type { Environment } from '../../../shared/naming.ts';
import { httpRoutes } from '../../routes.ts';

/**
 * The promotion, preview, hold and rollback routes: their handlers invoked with payload-v2 events
 * against DynamoDB Local, executions accepted by a mocked Step Functions.
 */
type Handler = (
  e: APIGatewayProxyEventV2WithJWTAuthorizer,
  c: Context,
) => Promise<{ statusCode: number; body?: string }>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const handlers: Record<string, Handler> = {};
const sfn = mockClient(SFNClient);
let table: typeof import('../../lib/wiring/table.ts');

const routes = {
  promote: 'http/promotions/create',
  preview: 'http/promotions/preview',
  resume: 'http/environments/resume-hold',
  rollback: 'http/releases/rollback',
} as const;

beforeAll(async () => {
  Object.assign(process.env, inject('wharf').env);
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:::execution:test:${input.name}`,
  }));
  for (const handler of [...Object.values(routes), 'http/me/get', 'http/projects/create']) {
    const file = new URL(`../../${handler}.ts`, import.meta.url).href;
    handlers[handler] = ((await import(/* @vite-ignore */ file)) as { handler: Handler }).handler;
  }
  table = await import('../../lib/wiring/table.ts');
});

afterAll(() => sfn.restore());

/** A payload-v2 event for the route served by `handler`, as the gateway builds it. */
function request(
  handler: string,
  changes: {
    pathParameters: Record<string, string>;
    sub: string;
    body?: unknown;
    query?: Record<string, string>;
  },
) {
  const route = httpRoutes.find((r) => r.handler === handler);
  if (!route) throw new Error(`no route for ${handler}`);
  const event = loadEvent('apigw-http', 'create-deployment');
  event.routeKey = `${route.method} ${route.path}`;
  event.requestContext.http.method = route.method;
  event.body = undefined;
  return withRequest(event, changes);
}

const invoke = async (handler: string, event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const res = await (handlers[handler] as Handler)(event, context);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
};

/** A caller with a staging → production project and one release in each environment. */
async function setup(name: string) {
  const caller = `${name}-${Date.now()}`;
  const me = await invoke('http/me/get', withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }));
  const workspaceId = me.body.workspaces[0].id as string;
  const created = await invoke(
    'http/projects/create',
    withRequest(loadEvent('apigw-http', 'create-project'), {
      pathParameters: { workspaceId },
      sub: caller,
      body: {
        name: 'web',
        type: 'monolith',
        repository: { url: 'https://github.com/acme/web.git' },
        port: 3000,
      },
    }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const projectId = created.body.id as string;
  const stored = (await table.projects().get(workspaceId, projectId)) as Project;
  await table
    .projects()
    .update({ ...stored, environments: ['staging', 'production'], revision: stored.revision + 1 });
  const record = (environment: Environment, number: number): Promise<Release> =>
    table.releases().recordRelease({
      id: `l${environment}${number}${Date.now()}`,
      number,
      workspaceId,
      projectId,
      environment,
      runId: `r${environment}${number}${Date.now()}`,
      kind: 'deploy',
      image: {
        reference: `registry.test/web:${environment}${number}`,
        digest: `sha256:${String(number).repeat(64)}`,
      },
      sourceCommit: String(number).repeat(40),
      values: `# ${environment} ${number}\n`,
      envNames: [],
      gitopsCommit: 'c'.repeat(40),
      gitopsPath: `apps/${workspaceId}/${caller}/web/${environment}`,
      appName: `web-${environment}`,
      createdBy: caller,
      createdAt: new Date().toISOString(),
    });
  const staging = await record('staging', 1);
  const production = [await record('production', 1), await record('production', 2)];
  const at = (more: Record<string, string> = {}) => ({ workspaceId, projectId, ...more });
  return { caller, workspaceId, projectId, staging, production, at };
}

describe('promotion routes', () => {
  it('promotes (202, kind promote), previews, and answers 404 to a non-member', async () => {
    const s = await setup('promoter');
    const promoted = await invoke(
      routes.promote,
      request(routes.promote, {
        pathParameters: s.at({ environment: 'production' }),
        sub: s.caller,
        body: { releaseId: s.staging.id },
      }),
    );
    expect(promoted, JSON.stringify(promoted.body)).toMatchObject({
      status: 202,
      body: {
        kind: 'promote',
        environment: 'production',
        promotedFrom: { releaseId: s.staging.id, environment: 'staging', number: 1 },
      },
    });
    const preview = await invoke(
      routes.preview,
      request(routes.preview, {
        pathParameters: s.at({ environment: 'production' }),
        sub: s.caller,
        query: { releaseId: s.staging.id },
      }),
    );
    expect(preview).toMatchObject({
      status: 200,
      body: { target: 'production', image: { to: `${s.staging.image.reference}@${s.staging.image.digest}` } },
    });
    expect(preview.body.values.to).toContain(s.staging.image.digest);

    for (const [handler, body, query] of [
      [routes.promote, { releaseId: s.staging.id }, undefined],
      [routes.preview, undefined, { releaseId: s.staging.id }],
    ] as const) {
      const stranger = await invoke(
        handler,
        request(handler, {
          pathParameters: s.at({ environment: 'production' }),
          sub: `stranger-${Date.now()}`,
          ...(body ? { body } : {}),
          ...(query ? { query } : {}),
        }),
      );
      expect(stranger, handler).toMatchObject({ status: 404 });
    }
  });

  it('refuses a body that is not { releaseId } with 400 naming the field', async () => {
    const s = await setup('strict');
    for (const body of [{}, { releaseId: s.staging.id, force: true }, { releaseId: 'no spaces allowed' }]) {
      const res = await invoke(
        routes.promote,
        request(routes.promote, { pathParameters: s.at({ environment: 'production' }), sub: s.caller, body }),
      );
      expect(res, JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { error: { code: 'request.invalid' } },
      });
    }
  });
});

describe('DELETE …/environments/{environment}/hold', () => {
  it('resumes auto-deploy (204) for a member, and is 404 for anyone else', async () => {
    const s = await setup('resumer');
    await table.deployTurns().setHold(s.projectId, 'production', { by: s.caller, at: 'now', runId: 'r1' });
    const stranger = await invoke(
      routes.resume,
      request(routes.resume, { pathParameters: s.at({ environment: 'production' }), sub: `x-${Date.now()}` }),
    );
    expect(stranger.status).toBe(404);
    expect((await table.deployTurns().getEnvironment(s.projectId, 'production')).hold).toBeDefined();
    const resumed = await invoke(
      routes.resume,
      request(routes.resume, { pathParameters: s.at({ environment: 'production' }), sub: s.caller }),
    );
    expect(resumed).toEqual({ status: 204, body: undefined });
    expect((await table.deployTurns().getEnvironment(s.projectId, 'production')).hold).toBeUndefined();
  });
});

describe('POST …/releases/{releaseId}/rollback with a reason', () => {
  it('takes no body, {}, or { reason } (recorded in the run), and refuses anything else', async () => {
    const s = await setup('roller');
    const rollback = (body?: unknown) =>
      invoke(
        routes.rollback,
        request(routes.rollback, {
          pathParameters: s.at({ releaseId: s.production[0]?.id as string }),
          sub: s.caller,
          ...(body === undefined ? {} : { body }),
        }),
      );
    const bare = await rollback();
    expect(bare, JSON.stringify(bare.body)).toMatchObject({ status: 202, body: { kind: 'rollback' } });
    expect(bare.body.reason).toBeUndefined();
    expect(await rollback({})).toMatchObject({ status: 202 });
    expect(await rollback({ reason: '  checkout fails for EU cards ' })).toMatchObject({
      status: 202,
      body: { reason: 'checkout fails for EU cards' },
    });
    for (const body of [
      { reason: 'x'.repeat(501) },
      { reason: 'line one\nline two' },
      { reason: 'nul\u0000' },
      { reason: 42 },
      { reason: 'ok', force: true },
    ]) {
      const res = await rollback(body);
      expect(res, JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { error: { code: 'request.invalid' } },
      });
    }
  });
});
