import { createHmac, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEvent } from '../../events/load.ts';

type Handler = (
  e: APIGatewayProxyEventV2WithJWTAuthorizer,
  c: Context,
) => Promise<{ statusCode: number; body?: string }>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
let handler: Handler;
let secret: string;

beforeAll(async () => {
  const stack = inject('wharf');
  Object.assign(process.env, stack.env);
  secret = stack.webhookSecret;
  handler = ((await import('./github.ts')) as unknown as { handler: Handler }).handler;
});

/** The event API Gateway sends for a GitHub delivery: a body that is not UTF-8 arrives base64-encoded. */
function delivery(body: Buffer, headers: Record<string, string>): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = loadEvent('apigw-http', 'health');
  event.routeKey = 'POST /api/webhooks/github';
  event.rawPath = '/api/webhooks/github';
  event.requestContext.http.method = 'POST';
  event.requestContext.http.path = event.rawPath;
  event.headers = { ...event.headers, 'content-type': 'application/json', ...headers };
  const text = body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(body);
  event.body = isText ? text : body.toString('base64');
  event.isBase64Encoded = !isText;
  return event;
}
const signature = (body: Buffer, key = secret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

const invoke = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const res = await handler(event, context);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
};

describe('GitHub webhook', () => {
  it('checks the signature over the bytes received, not over their UTF-8 decoding', async () => {
    const latin1 = Buffer.from('{"zen":"Caf\xe9 au lait","hook_id":1}', 'latin1');
    const headers = { 'x-github-event': 'ping', 'x-github-delivery': randomUUID() };
    const signed = await invoke(delivery(latin1, { ...headers, 'x-hub-signature-256': signature(latin1) }));
    // Signed, so not refused as unsigned; but GitHub sends UTF-8 JSON, so the body itself is refused.
    expect(signed).toMatchObject({ status: 400, body: { error: { code: 'request.invalid_json' } } });
    const forged = await invoke(
      delivery(latin1, { ...headers, 'x-hub-signature-256': signature(latin1, 'guessed') }),
    );
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'webhook.bad_signature' } } });
    const utf8 = Buffer.from('{"zen":"Café au lait","hook_id":1}', 'utf8');
    const ok = await invoke(delivery(utf8, { ...headers, 'x-hub-signature-256': signature(utf8) }));
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('answers 400, not 500, for a delivery id no GitHub delivery has', async () => {
    const body = Buffer.from(
      JSON.stringify({
        ref: 'refs/heads/main',
        after: 'a'.repeat(40),
        repository: { clone_url: 'https://github.com/acme/nothing-tracks-this.git' },
      }),
    );
    for (const id of ['x'.repeat(3000), 'id with spaces', '']) {
      const res = await invoke(
        delivery(body, {
          'x-github-event': 'push',
          'x-github-delivery': id,
          'x-hub-signature-256': signature(body),
        }),
      );
      expect(res, id.slice(0, 20)).toMatchObject({ status: 400, body: { error: { field: 'headers' } } });
    }
  });
});
