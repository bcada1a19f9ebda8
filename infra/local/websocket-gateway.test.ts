import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadEvent } from '../../events/load.ts';
import {
  createWebSocketGateway,
  type WebSocketEvent,
  type WebSocketGatewayOptions,
  type WebSocketRouteHandler,
} from './websocket-gateway.ts';

const CONTENT_KEYS = new Set([
  'headers',
  'multiValueHeaders',
  'queryStringParameters',
  'multiValueQueryStringParameters',
]);
const keysDeep = (value: unknown, prefix = ''): string[] =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) =>
        CONTENT_KEYS.has(k) ? [`${prefix}${k}`] : [`${prefix}${k}`, ...keysDeep(v, `${prefix}${k}.`)],
      )
    : [];
const sampleKeys = (name: string) => keysDeep(loadEvent<WebSocketEvent>('apigw-ws', name)).sort();

const CONNECTION_ID = /^[A-Za-z0-9+/]{15}=$/;
const REQUEST_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;
const USER_AGENT = 'wharf-test/1.0';

interface Recorded {
  route: string;
  event: WebSocketEvent;
  context: Context;
}

/** A gateway on a throwaway HTTP server, with the real SDK client pointed at its management path. */
async function startGateway(
  routes: WebSocketGatewayOptions['routes'],
  extra: Partial<WebSocketGatewayOptions> = {},
) {
  const managementRequests: string[] = [];
  let gateway: ReturnType<typeof createWebSocketGateway> | undefined;
  const server = createServer((req, res) => {
    managementRequests.push(`${req.method} ${req.url}`);
    gateway
      ?.handleManagement(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404).end();
      })
      .catch(() => res.writeHead(500).end());
  });
  server.on('upgrade', (req, socket, head) => {
    gateway
      ?.handleUpgrade(req, socket, head)
      .then((handled) => {
        if (!handled) socket.destroy();
      })
      .catch(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  gateway = createWebSocketGateway({
    routes,
    domainName: `localhost:${port}`,
    managementPath: '/_ws',
    ...extra,
  });
  const endpoint = `http://localhost:${port}/_ws`;
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    gateway,
    port,
    endpoint,
    client,
    managementRequests,
    async stop() {
      await gateway?.close();
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
type Harness = Awaited<ReturnType<typeof startGateway>>;

/** A ws client that collects what it receives. */
async function openClient(port: number, token: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(`ws://localhost:${port}/ws?token=${encodeURIComponent(token)}`, {
    headers: { 'User-Agent': USER_AGENT },
    ...options,
  });
  const inbox: string[] = [];
  ws.on('message', (data) => inbox.push(data.toString()));
  const closed = once(ws, 'close') as Promise<[number, Buffer]>;
  await once(ws, 'open');
  return { ws, inbox, closed };
}

/** The HTTP status of a refused handshake, as the client sees it. */
async function handshakeStatus(url: string): Promise<number> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined); // terminate() below aborts the pending handshake
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.terminate();
  return res.statusCode;
}

describe('createWebSocketGateway', () => {
  const calls: Recorded[] = [];
  const record =
    (route: string, result?: (event: WebSocketEvent) => Awaited<ReturnType<WebSocketRouteHandler>>) =>
    async (event: WebSocketEvent, context: Context) => {
      calls.push({ route, event, context });
      return result?.(event);
    };
  let h: Harness;

  const connectionIdOf = (token: string) => {
    const call = calls.find((c) => c.route === '$connect' && c.event.queryStringParameters?.token === token);
    if (!call) throw new Error(`no $connect for ${token}`);
    return call.event.requestContext.connectionId;
  };
  const disconnectsOf = (connectionId: string) =>
    calls.filter((c) => c.route === '$disconnect' && c.event.requestContext.connectionId === connectionId);

  beforeAll(async () => {
    h = await startGateway({
      $connect: record('$connect', (event) => {
        const token = event.queryStringParameters?.token ?? '';
        if (token === 'throw') throw new Error('boom');
        return token.startsWith('good') ? { statusCode: 200 } : { statusCode: 401 };
      }),
      $disconnect: record('$disconnect'),
      $default: record('$default'),
      subscribe: record('subscribe', (event) => {
        const { runId } = JSON.parse(event.body ?? '{}') as { runId: string };
        return { statusCode: 200, body: JSON.stringify({ subscribed: runId }) };
      }),
      fail: record('fail', () => {
        throw new Error('handler failed');
      }),
    });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  it('accepts a connection when $connect answers 200, with the event API Gateway sends', async () => {
    const token = 'good-eyJhbGciOiJSUzI1NiJ9.e30.sig';
    const { ws } = await openClient(h.port, token);
    const [call] = calls.filter((c) => c.route === '$connect');
    expect(call).toBeDefined();
    const event = call?.event as WebSocketEvent;

    expect(keysDeep(event).sort()).toEqual(sampleKeys('connect'));
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'local',
      apiId: 'local',
      domainName: `localhost:${h.port}`,
      identity: { sourceIp: '127.0.0.1', userAgent: USER_AGENT },
    });
    expect(event.requestContext.connectionId).toMatch(CONNECTION_ID);
    expect(event.requestContext.requestId).toMatch(CONNECTION_ID);
    expect(event.requestContext.requestTime).toMatch(REQUEST_TIME);
    expect(event.requestContext.connectedAt).toBeLessThanOrEqual(event.requestContext.requestTimeEpoch);
    expect(event.queryStringParameters).toEqual({ token });
    expect(event.multiValueQueryStringParameters).toEqual({ token: [token] });
    expect(event.headers).toMatchObject({
      'User-Agent': USER_AGENT,
      'Sec-WebSocket-Version': '13',
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Proto': 'http',
    });
    expect(event.headers).not.toHaveProperty('Connection');
    expect(event.multiValueHeaders?.['User-Agent']).toEqual([USER_AGENT]);
    expect(event.isBase64Encoded).toBe(false);
    expect(call?.context.functionName).toBe('ws-connect');
    expect(call?.context.getRemainingTimeInMillis()).toBeGreaterThan(0);

    ws.close();
  });

  it('rejects the handshake with the status $connect answers, and never connects', async () => {
    expect(await handshakeStatus(`ws://localhost:${h.port}/ws?token=bad`)).toBe(401);

    const id = calls.find((c) => c.route === '$connect')?.event.requestContext.connectionId as string;
    await expect(h.client.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(
      GoneException,
    );
    expect(disconnectsOf(id)).toHaveLength(0);
  });

  it('rejects the handshake with 500 when $connect throws', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await handshakeStatus(`ws://localhost:${h.port}/ws?token=throw`)).toBe(500);
    errors.mockRestore();
  });

  it('routes messages by action to a custom route, else to $default, and returns the route response', async () => {
    const { ws, inbox } = await openClient(h.port, 'good-routing');
    const connectionId = connectionIdOf('good-routing');

    ws.send(JSON.stringify({ action: 'subscribe', runId: 'run-1' }));
    ws.send(JSON.stringify({ action: 'no-such-route' }));
    ws.send('not json');
    ws.send(JSON.stringify({ runId: 'no action' }));
    await vi.waitFor(() =>
      expect(calls.filter((c) => c.event.requestContext.eventType === 'MESSAGE')).toHaveLength(4),
    );

    const messages = calls.filter((c) => c.event.requestContext.eventType === 'MESSAGE');
    expect(messages.map((c) => [c.route, c.event.requestContext.routeKey])).toEqual([
      ['subscribe', 'subscribe'],
      ['$default', '$default'],
      ['$default', '$default'],
      ['$default', '$default'],
    ]);
    const first = messages[0]?.event as WebSocketEvent;
    expect(keysDeep(first).sort()).toEqual(sampleKeys('message'));
    expect(first.body).toBe(JSON.stringify({ action: 'subscribe', runId: 'run-1' }));
    expect(first.requestContext.connectionId).toBe(connectionId);
    expect(first.requestContext.messageId).toMatch(CONNECTION_ID);
    expect(messages[2]?.event.body).toBe('not json');
    expect(messages[0]?.context.functionName).toBe('ws-subscribe');

    await vi.waitFor(() => expect(inbox).toEqual([JSON.stringify({ subscribed: 'run-1' })]));
    ws.close();
  });

  it('answers a failing route with API Gateway\'s "Internal server error" message', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { ws, inbox } = await openClient(h.port, 'good-fail');
    const connectionId = connectionIdOf('good-fail');
    ws.send(JSON.stringify({ action: 'fail' }));
    await vi.waitFor(() => expect(inbox).toHaveLength(1));
    expect(JSON.parse(inbox[0] as string)).toMatchObject({ message: 'Internal server error', connectionId });
    errors.mockRestore();
    ws.close();
  });

  it('handles the messages of one connection one at a time, in order', async () => {
    const seen: number[] = [];
    const slow = await startGateway({
      $default: async (event) => {
        const n = Number(event.body);
        await new Promise((resolve) => setTimeout(resolve, n % 3 === 0 ? 5 : 0));
        seen.push(n);
        return undefined;
      },
    });
    try {
      const { ws } = await openClient(slow.port, 'any');
      for (let n = 0; n < 30; n++) ws.send(String(n));
      await vi.waitFor(() => expect(seen).toHaveLength(30));
      expect(seen).toEqual([...Array(30).keys()]);
      ws.close();
    } finally {
      await slow.stop();
    }
  });

  it('delivers PostToConnection to the socket in order (1000 messages), at {endpoint}/@connections/{id}', async () => {
    const { ws, inbox } = await openClient(h.port, 'good-post');
    const connectionId = connectionIdOf('good-post');
    h.managementRequests.length = 0;

    for (let n = 0; n < 1000; n++) {
      await h.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: `line ${n}` }));
    }
    await vi.waitFor(() => expect(inbox).toHaveLength(1000));
    expect(inbox).toEqual(Array.from({ length: 1000 }, (_, n) => `line ${n}`));
    // The SDK keeps the endpoint's path and URL-encodes the id ('=' → %3D), as it does for AWS.
    expect(h.managementRequests[0]).toBe(`POST /_ws/@connections/${encodeURIComponent(connectionId)}`);
    ws.close();
  });

  it('answers GetConnection with the connection identity and ISO dates the SDK parses', async () => {
    const before = Date.now();
    const { ws } = await openClient(h.port, 'good-get');
    const connectionId = connectionIdOf('good-get');
    ws.send('hello');
    await vi.waitFor(() => expect(calls.some((c) => c.route === '$default')).toBe(true));

    const out = await h.client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(out.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: USER_AGENT });
    expect(out.ConnectedAt).toBeInstanceOf(Date);
    expect(out.LastActiveAt).toBeInstanceOf(Date);
    expect(out.ConnectedAt?.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(out.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(out.ConnectedAt?.getTime() ?? 0);
    expect(out.$metadata.httpStatusCode).toBe(200);
    ws.close();
  });

  it('closes on DeleteConnection, fires $disconnect once, then PostToConnection throws GoneException', async () => {
    const { ws, closed } = await openClient(h.port, 'good-delete');
    const connectionId = connectionIdOf('good-delete');

    const out = await h.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    const [code] = await closed;
    expect(code).toBe(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSED);

    await vi.waitFor(() => expect(disconnectsOf(connectionId)).toHaveLength(1));
    const event = disconnectsOf(connectionId)[0]?.event as WebSocketEvent;
    expect(keysDeep(event).sort()).toEqual(sampleKeys('disconnect'));
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 1000,
      disconnectReason: 'Connection Closed Normally',
      connectionId,
    });

    const error = await h.client
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'too late' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).name).toBe('GoneException');
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
    await expect(
      h.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId })),
    ).rejects.toBeInstanceOf(GoneException);

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(disconnectsOf(connectionId)).toHaveLength(1);
  });

  it('fires $disconnect once when the client closes', async () => {
    const { ws, closed } = await openClient(h.port, 'good-client-close');
    const connectionId = connectionIdOf('good-client-close');
    ws.close(4001, 'navigated away');
    await closed;
    await vi.waitFor(() => expect(disconnectsOf(connectionId)).toHaveLength(1));
    expect(disconnectsOf(connectionId)[0]?.event.requestContext).toMatchObject({
      disconnectStatusCode: 4001,
      disconnectReason: 'navigated away',
    });

    const bare = await openClient(h.port, 'good-bare-close');
    bare.ws.close();
    await bare.closed;
    await vi.waitFor(() => expect(disconnectsOf(connectionIdOf('good-bare-close'))).toHaveLength(1));
    expect(disconnectsOf(connectionIdOf('good-bare-close'))[0]?.event.requestContext).toMatchObject({
      disconnectStatusCode: 1005,
      disconnectReason: 'Client-side close frame status not set',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(disconnectsOf(connectionId)).toHaveLength(1);
  });

  it('fans out to 200 connections', async () => {
    const clients = await Promise.all(
      Array.from({ length: 200 }, (_, n) => openClient(h.port, `good-fan-${n}`)),
    );
    const ids = clients.map((_, n) => connectionIdOf(`good-fan-${n}`));
    expect(new Set(ids).size).toBe(200);
    // Some ids hold '+' or '/', which the SDK sends as %2B / %2F: delivery below covers the decoding.
    expect(ids.some((id) => /[+/]/.test(id))).toBe(true);

    await Promise.all(
      ids.map((id, n) => h.client.send(new PostToConnectionCommand({ ConnectionId: id, Data: `to ${n}` }))),
    );
    await vi.waitFor(() => expect(clients.every((c) => c.inbox.length === 1)).toBe(true));
    clients.forEach((c, n) => {
      expect(c.inbox).toEqual([`to ${n}`]);
    });

    for (const c of clients) c.ws.close();
    await Promise.all(clients.map((c) => c.closed));
    await vi.waitFor(() => expect(calls.filter((c) => c.route === '$disconnect')).toHaveLength(200));
  });

  it('refuses payloads over 128 KB with PayloadTooLargeException', async () => {
    const { ws } = await openClient(h.port, 'good-big');
    const error = await h.client
      .send(
        new PostToConnectionCommand({
          ConnectionId: connectionIdOf('good-big'),
          Data: 'x'.repeat(128 * 1024 + 1),
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeException);
    ws.close();
  });

  it("refuses unsigned and forged management calls with 403 in API Gateway's IAM error shape", async () => {
    const { ws, inbox } = await openClient(h.port, 'good-iam');
    const id = connectionIdOf('good-iam');
    const url = `${h.endpoint}/@connections/${encodeURIComponent(id)}`;

    const unsigned = await fetch(url, { method: 'POST', body: 'from anyone' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
    const bearer = await fetch(url, { method: 'DELETE', headers: { authorization: 'Bearer x' } });
    expect(bearer.status).toBe(403);

    const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new ApiGatewayManagementApiClient({
        endpoint: h.endpoint,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });
    const forged = client({ accessKeyId: 'local', secretAccessKey: 'guessed' });
    const stranger = client({ accessKeyId: 'someone-else', secretAccessKey: 'local' });
    try {
      const wrongSecret = await forged
        .send(new PostToConnectionCommand({ ConnectionId: id, Data: 'forged' }))
        .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
      expect(wrongSecret).toMatchObject({
        name: 'InvalidSignatureException',
        $metadata: { httpStatusCode: 403 },
      });
      const wrongKey = await stranger
        .send(new DeleteConnectionCommand({ ConnectionId: id }))
        .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
      expect(wrongKey).toMatchObject({
        name: 'UnrecognizedClientException',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      forged.destroy();
      stranger.destroy();
    }

    // The signed client still gets through, and nothing else reached the socket.
    await h.client.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'signed' }));
    await vi.waitFor(() => expect(inbox).toEqual(['signed']));
    ws.close();
  });

  it('serves only its management path: other paths are left to the caller, unknown ones are 403', async () => {
    const other = await fetch(`http://localhost:${h.port}/api/health`);
    expect(other.status).toBe(404); // the test server's fallback: handleManagement returned false
    const unknown = await fetch(`${h.endpoint}/nothing-here`);
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  });
});

describe('createWebSocketGateway under load and shutdown', () => {
  it('keeps serving other connections while one client is too slow to read', async () => {
    const ids = new Map<string, string>();
    const h = await startGateway(
      {
        $connect: async (event) => {
          ids.set(event.queryStringParameters?.token ?? '', event.requestContext.connectionId);
          return undefined; // no status: accepted, as API Gateway does
        },
      },
      { maxBufferedBytes: 256 * 1024 },
    );
    const noRetry = new ApiGatewayManagementApiClient({
      endpoint: h.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const slow = await openClient(h.port, 'slow');
      const fast = await openClient(h.port, 'fast');
      const slowId = ids.get('slow') as string;
      const fastId = ids.get('fast') as string;
      // Stop reading on the slow client: its kernel buffers, then the gateway's, fill up.
      (slow.ws as any)._socket.pause();

      const chunk = 'y'.repeat(64 * 1024);
      let refused: unknown;
      for (let n = 0; n < 2000 && !refused; n++) {
        await noRetry
          .send(new PostToConnectionCommand({ ConnectionId: slowId, Data: chunk }))
          .catch((e: unknown) => {
            refused = e;
          });
      }
      expect(refused).toBeInstanceOf(LimitExceededException);
      expect((refused as LimitExceededException).$metadata.httpStatusCode).toBe(429);

      const started = Date.now();
      await noRetry.send(new PostToConnectionCommand({ ConnectionId: fastId, Data: 'still flowing' }));
      await vi.waitFor(() => expect(fast.inbox).toEqual(['still flowing']));
      expect(Date.now() - started).toBeLessThan(1_000);

      (slow.ws as any)._socket.resume();
      slow.ws.close();
      fast.ws.close();
    } finally {
      noRetry.destroy();
      await h.stop();
    }
  });

  it('close() closes every socket, fires each $disconnect, and refuses new connections', async () => {
    const disconnects: WebSocketEvent[] = [];
    const h = await startGateway({
      $disconnect: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        disconnects.push(event);
        return undefined;
      },
    });
    const clients = await Promise.all([1, 2, 3].map((n) => openClient(h.port, `c${n}`)));
    await h.gateway.close();
    // close() resolves after every $disconnect handler has finished.
    expect(disconnects).toHaveLength(3);
    expect(disconnects.map((e) => e.requestContext.disconnectStatusCode)).toEqual([1001, 1001, 1001]);
    for (const c of clients) expect((await c.closed)[0]).toBe(1001);

    expect(await handshakeStatus(`ws://localhost:${h.port}/ws`)).toBe(503);
    await h.stop();
  });
});
