import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { loadEvent, withRequest } from '../../events/load.ts';
import { conflict, unavailable } from '../../shared/errors.ts';
import { httpHandler, json } from './handler.ts';
import { logger } from './logger.ts';

const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const event = () => loadEvent('apigw-http', 'create-workspace');
const echo = httpHandler(
  { body: z.strictObject({ name: z.string().min(2, 'must be at least 2 characters') }) },
  async (r) => json(201, { name: r.body.name, user: r.identity.userId }),
);
/** What was logged, with errors (and their causes) spelled out. */
const detailOf = (logged: unknown) =>
  JSON.stringify(logged, (_k, v) => (v instanceof Error ? { message: v.message, cause: v.cause } : v));
const parse = (res: unknown) => {
  const r = res as { statusCode: number; body?: string; headers: Record<string, string> };
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined, headers: r.headers };
};

describe('httpHandler', () => {
  it('hands the parsed body and the caller identity to the function', async () => {
    const res = parse(await echo(event(), context));
    expect(res).toMatchObject({ status: 201, body: { name: 'payments', user: 'alice' } });
    expect(res.headers['content-type']).toContain('application/json');
  });

  it('answers 400 naming the field and the rule', async () => {
    const res = parse(await echo(withRequest(event(), { body: { name: 'x' } }), context));
    expect(res).toEqual(
      expect.objectContaining({
        status: 400,
        body: {
          error: {
            code: 'request.invalid',
            field: 'name',
            message: 'name must be at least 2 characters',
            requestId: 'JKJaXmPLvHcESHA=',
          },
        },
      }),
    );
  });

  it('answers 400 for a body that is not JSON, and for base64 bodies decodes first', async () => {
    expect(parse(await echo(withRequest(event(), { body: '{"name"' }), context)).body.error.code).toBe(
      'request.invalid_json',
    );
    const b64 = { ...event(), body: Buffer.from('{"name":"ok"}').toString('base64'), isBase64Encoded: true };
    expect(parse(await echo(b64, context)).status).toBe(201);
  });

  it('answers 401 when the authorizer passed no subject', async () => {
    const e = event();
    delete (e.requestContext as Partial<typeof e.requestContext>).authorizer;
    expect(parse(await echo(e, context))).toMatchObject({
      status: 401,
      body: { error: { code: 'auth.required' } },
    });
  });

  it('maps domain errors by kind and hides unexpected ones behind a 500 with the request id', async () => {
    const failing = httpHandler({}, async () => {
      throw conflict('project.name_taken', 'name is taken', 'name');
    });
    expect(parse(await failing(loadEvent('apigw-http', 'get-me'), context))).toMatchObject({
      status: 409,
      body: { error: { code: 'project.name_taken', field: 'name' } },
    });
    const crashing = httpHandler({}, async () => {
      throw new Error('secret internals: connection string postgres://u:p@db');
    });
    const res = parse(await crashing(loadEvent('apigw-http', 'get-me'), context));
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal');
    expect(JSON.stringify(res.body)).not.toContain('postgres');
    expect(res.body.error.message).toContain('JKJaXmPLvHcESHA=');
  });

  it('puts the request id into every error envelope, and falls back to the Lambda request id', async () => {
    const res = parse(await echo(withRequest(event(), { body: { name: 'x' } }), context));
    expect(res.body.error.requestId).toBe('JKJaXmPLvHcESHA=');
    const direct = event();
    delete (direct.requestContext as Partial<typeof direct.requestContext>).requestId;
    const invoked = parse(
      await echo(withRequest(direct, { body: { name: 'x' } }), { ...context, awsRequestId: 'c0ffee-1' }),
    );
    expect(invoked.body.error.requestId).toBe('c0ffee-1');
  });

  it('shows no detail of a 5xx: a generic message with the request id, the detail only in the log', async () => {
    const sdkText = 'User: arn:aws:sts::123456789012:assumed-role/wharf is not authorized';
    const down = httpHandler({}, async () => {
      throw unavailable('workflow.unavailable', `The deploy workflow could not be started: ${sdkText}`);
    });
    const logged: unknown[][] = [];
    const spy = vi.spyOn(logger, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const res = parse(await down(loadEvent('apigw-http', 'get-me'), context));
      expect(res).toMatchObject({
        status: 503,
        body: {
          error: {
            code: 'workflow.unavailable',
            message: 'Something went wrong on our side; try again. Request id JKJaXmPLvHcESHA=.',
            requestId: 'JKJaXmPLvHcESHA=',
          },
        },
      });
      expect(JSON.stringify(res.body)).not.toContain('not authorized');
      expect(detailOf(logged)).toContain(sdkText);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a body on routes that take none, and ids that cannot exist', async () => {
    const noBody = httpHandler({}, async () => json(200, {}));
    expect(
      parse(await noBody(withRequest(loadEvent('apigw-http', 'get-me'), { body: { a: 1 } }), context)).status,
    ).toBe(400);
    const byId = withRequest(loadEvent('apigw-http', 'get-workspace'), {
      pathParameters: { workspaceId: 'a/../../b' },
    });
    expect(parse(await noBody(byId, context)).status).toBe(404);
  });
});
