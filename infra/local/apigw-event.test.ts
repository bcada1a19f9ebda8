import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../events/load.ts';
import { toApiGatewayEvent } from './apigw-event.ts';

const keysDeep = (value: unknown, prefix = ''): string[] =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) =>
        k === 'headers' || k === 'claims' || k === 'pathParameters' || k === 'queryStringParameters'
          ? [`${prefix}${k}`]
          : [`${prefix}${k}`, ...keysDeep(v, `${prefix}${k}.`)],
      )
    : [];

describe('toApiGatewayEvent', () => {
  it('builds the same shape as a real API Gateway payload-v2 event with a JWT authorizer', () => {
    const sample = loadEvent('apigw-http', 'create-project');
    const built = toApiGatewayEvent(
      {
        method: 'POST',
        rawPath: sample.rawPath,
        rawQueryString: '',
        headers: { host: 'localhost:8080', 'content-type': 'application/json', 'User-Agent': 'curl/8.5.0' },
        body: Buffer.from(sample.body ?? ''),
        sourceIp: '127.0.0.1',
        routeKey: sample.routeKey,
        pathParameters: sample.pathParameters as Record<string, string>,
        claims: { sub: 'alice', exp: 1795379554, aud: ['wharf-api'], email_verified: true },
        scopes: ['wharf'],
      },
      new Date(Date.UTC(2026, 10, 22, 10, 0, 0)),
    );
    expect(keysDeep(built).sort()).toEqual(keysDeep(sample).sort());
    expect(built.requestContext.authorizer.jwt.claims).toEqual({
      sub: 'alice',
      exp: '1795379554',
      aud: '[wharf-api]',
      email_verified: 'true',
    });
    expect(built.requestContext.time).toBe('22/Nov/2026:10:00:00 +0000');
    expect(built.headers['user-agent']).toBe('curl/8.5.0');
    expect(built.isBase64Encoded).toBe(false);
  });

  it('moves cookies out of headers, joins repeated query values, and base64-encodes binary bodies', () => {
    const built = toApiGatewayEvent({
      method: 'GET',
      rawPath: '/api/health',
      rawQueryString: 'a=1&a=2&b=x',
      headers: { cookie: 'one=1; two=2', 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2]),
      sourceIp: '127.0.0.1',
      routeKey: 'GET /api/health',
      pathParameters: undefined,
      claims: undefined,
      scopes: undefined,
    });
    expect(built.cookies).toEqual(['one=1', 'two=2']);
    expect(built.headers.cookie).toBeUndefined();
    expect(built.queryStringParameters).toEqual({ a: '1,2', b: 'x' });
    expect(built).toMatchObject({ body: 'AAEC', isBase64Encoded: true });
    expect('authorizer' in built.requestContext).toBe(false);
  });

  it('passes a body that is not UTF-8 base64-encoded, whatever its content type, so no byte is lost', () => {
    const bytes = Buffer.from('{"name":"caf\xe9"}', 'latin1');
    const built = toApiGatewayEvent({
      method: 'POST',
      rawPath: '/api/webhooks/github',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      body: bytes,
      sourceIp: '127.0.0.1',
      routeKey: 'POST /api/webhooks/github',
      pathParameters: undefined,
      claims: undefined,
      scopes: undefined,
    });
    expect(built.isBase64Encoded).toBe(true);
    expect(Buffer.from(built.body ?? '', 'base64').equals(bytes)).toBe(true);
  });
});
