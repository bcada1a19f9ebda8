import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'aws-lambda';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { lambdaContext } from './apigw-event.ts';
import { LOCAL_REGION, localCredentials } from './dynamodb-local.ts';
import { type SigV4Credentials, verifySigV4 } from './sigv4.ts';

/** The event API Gateway sends a WebSocket route's Lambda proxy integration (see events/apigw-ws/). */
export interface WebSocketEvent {
  /** $connect (as the client sent them) and $disconnect (a fixed set) only. */
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  /** $connect only, and only when the URL has a query. */
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  /** MESSAGE only: the frame's text, or base64 for a binary frame. */
  body?: string;
  isBase64Encoded: boolean;
}

export interface WebSocketRequestContext {
  routeKey: string;
  /** MESSAGE only. */
  messageId?: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  extendedRequestId: string;
  /** "22/Nov/2026:10:00:00 +0000" */
  requestTime: string;
  messageDirection: 'IN';
  /** DISCONNECT only. */
  disconnectStatusCode?: number;
  /** DISCONNECT only. */
  disconnectReason?: string;
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
}

export interface WebSocketRouteResult {
  statusCode?: number;
  /** On a message route, sent back to the caller as the route response. */
  body?: string;
  /** On $connect: `Sec-WebSocket-Protocol` picks the subprotocol, as in API Gateway. */
  headers?: Record<string, string>;
}

export type WebSocketRouteHandler = (
  event: WebSocketEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is valid, as in Lambda.
) => Promise<WebSocketRouteResult | undefined | void>;

export interface WebSocketGatewayOptions {
  /** '$connect' | '$disconnect' | '$default' | custom route keys. */
  routes: Record<string, WebSocketRouteHandler>;
  /** Only `$request.body.<field>` expressions are supported. */
  routeSelectionExpression?: string;
  apiId?: string;
  stage?: string;
  /** The host clients and handlers see, e.g. 'localhost:8080'; goes into requestContext.domainName. */
  domainName: string;
  /** Where the @connections management API is served, e.g. '/_ws'. */
  managementPath: string;
  /** The upgrade path clients connect to. Default '/ws'. */
  path?: string;
  /** Above this many unsent bytes on a socket, PostToConnection answers LimitExceededException (429). */
  maxBufferedBytes?: number;
  /**
   * The management API is IAM-authorized, as in AWS: calls must be SigV4-signed (service execute-api)
   * with these credentials. Default: the local credentials the handlers' SDK clients use.
   */
  managementCredentials?: SigV4Credentials;
  /** The region the management calls are signed for. Default: the local region. */
  managementRegion?: string;
}

export interface WebSocketGateway {
  /**
   * For a server's 'upgrade' event. Resolves false, without touching the socket, when the request
   * is not for this gateway's path (the caller then handles or destroys the socket).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean>;
  /** The @connections API under managementPath. Resolves false for any other path. */
  handleManagement(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Closes every connection (each gets its $disconnect) and refuses new ones. */
  close(): Promise<void>;
}

/** What is known of a connection from its upgrade request, before the handshake completes. */
interface ConnectionInfo {
  id: string;
  connectedAt: number;
  sourceIp: string;
  userAgent: string;
}

interface Connection extends ConnectionInfo {
  socket: WebSocket;
  lastActiveAt: number;
  /** Messages are handled one after another, in the order they arrived. */
  queue: Promise<void>;
  /** Deleted through the management API or closed by close(): gone for Post/Get/Delete. */
  gone: boolean;
  disconnected?: Promise<void>;
}

// API Gateway's limits: a WebSocket message and a PostToConnection payload are at most 128 KB.
const MAX_MESSAGE_BYTES = 128 * 1024;
const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const CLOSE_TIMEOUT_MS = 2_000;

/** API Gateway-style ids (connection, request, message): 16 characters of base64, e.g. 'L0SM9cOFvHcCIhw='. */
function apiGatewayId(): string {
  return randomBytes(11).toString('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "22/Nov/2026:10:00:00 +0000", as requestContext.requestTime is written by API Gateway. */
function formatRequestTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** What API Gateway writes in disconnectReason for these close codes; others carry the client's reason. */
const DISCONNECT_REASONS: Record<number, string> = {
  1000: 'Connection Closed Normally',
  1001: 'Going away',
  1005: 'Client-side close frame status not set',
};

// The integration request of $connect carries the client's headers without these hop-by-hop ones.
const DROPPED_HEADERS = new Set(['connection', 'upgrade']);

function routeSelector(expression: string): (body: unknown) => string | undefined {
  const m = expression.match(/^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/);
  if (!m?.[1]) {
    throw new Error(
      `routeSelectionExpression "${expression}" is not supported locally: use "$request.body.<field>"`,
    );
  }
  const fields = m[1].split('.');
  return (body) => {
    let value: unknown = body;
    for (const field of fields) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[field];
    }
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;
  };
}

function sourceIpOf(req: IncomingMessage): string {
  return req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
}

function rejectHandshake(socket: Duplex, status: number) {
  const body = JSON.stringify({ message: STATUS_CODES[status] ?? 'Error' });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** A management API error the SDK deserializes into its typed exception (it reads x-amzn-errortype). */
function sendError(res: ServerResponse, status: number, errorType: string, message?: string) {
  // API Gateway answers GoneException with an empty body: the SDK's message is then "UnknownError".
  const body = message === undefined ? '' : JSON.stringify({ message });
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-amzn-errortype': errorType,
      'x-amzn-requestid': apiGatewayId(),
    })
    .end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

/**
 * The local stand-in for an API Gateway WebSocket API: it runs the same route handlers with the
 * same events ($connect decides the handshake, messages are routed by the route selection
 * expression, $disconnect fires once per connection) and serves the @connections management API
 * that `@aws-sdk/client-apigatewaymanagementapi` calls.
 */
export function createWebSocketGateway(options: WebSocketGatewayOptions): WebSocketGateway {
  const apiId = options.apiId ?? 'local';
  const stage = options.stage ?? 'local';
  const wsPath = options.path ?? '/ws';
  const managementPrefix = options.managementPath.replace(/\/+$/, '');
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const managementCredentials = options.managementCredentials ?? localCredentials;
  const managementRegion = options.managementRegion ?? LOCAL_REGION;
  const selectRoute = routeSelector(options.routeSelectionExpression ?? '$request.body.action');
  const connections = new Map<string, Connection>();
  const live = new Set<Connection>();
  const protocols = new WeakMap<IncomingMessage, string>();
  let closed = false;

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (offered, req) => {
      const chosen = protocols.get(req);
      return chosen !== undefined && offered.has(chosen) ? chosen : false;
    },
  });

  function requestContext(
    conn: ConnectionInfo,
    routeKey: string,
    eventType: WebSocketRequestContext['eventType'],
    extra: Partial<WebSocketRequestContext> = {},
  ): WebSocketRequestContext {
    const now = new Date();
    const requestId = apiGatewayId();
    return {
      routeKey,
      ...(extra.messageId ? { messageId: extra.messageId } : {}),
      eventType,
      extendedRequestId: requestId,
      requestTime: formatRequestTime(now),
      messageDirection: 'IN',
      ...(extra.disconnectStatusCode !== undefined
        ? { disconnectStatusCode: extra.disconnectStatusCode, disconnectReason: extra.disconnectReason ?? '' }
        : {}),
      stage,
      connectedAt: conn.connectedAt,
      requestTimeEpoch: now.getTime(),
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
      requestId,
      domainName: options.domainName,
      connectionId: conn.id,
      apiId,
    };
  }

  async function invoke(routeKey: string, event: WebSocketEvent) {
    const handler = options.routes[routeKey];
    if (!handler) return undefined;
    const functionName = `ws-${routeKey.replace(/^\$/, '')}`;
    return (await handler(event, lambdaContext(functionName))) ?? undefined;
  }

  function connectEvent(req: IncomingMessage, url: URL, conn: ConnectionInfo): WebSocketEvent {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    const add = (name: string, value: string) => {
      headers[name] = value;
      multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    };
    let forwardedFor: string | undefined;
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = req.rawHeaders[i + 1] as string;
      const key = name.toLowerCase();
      if (DROPPED_HEADERS.has(key)) continue;
      if (key === 'x-forwarded-for') forwardedFor = value;
      else add(name, value);
    }
    const now = Date.now();
    add(
      'X-Amzn-Trace-Id',
      `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    );
    add('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${conn.sourceIp}` : conn.sourceIp);
    add('X-Forwarded-Port', String(req.socket.localPort ?? 80));
    add('X-Forwarded-Proto', 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http');

    const query: Record<string, string> = {};
    const multiValueQuery: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      multiValueQuery[k] = [...(multiValueQuery[k] ?? []), v];
    }
    const hasQuery = Object.keys(query).length > 0;
    return {
      headers,
      multiValueHeaders,
      ...(hasQuery ? { queryStringParameters: query, multiValueQueryStringParameters: multiValueQuery } : {}),
      requestContext: requestContext(conn, '$connect', 'CONNECT'),
      isBase64Encoded: false,
    };
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== wsPath) return false;
    // A socket error while $connect runs must not take the process down.
    const ignoreError = () => undefined;
    socket.on('error', ignoreError);

    const key = req.headers['sec-websocket-key'];
    if (
      closed ||
      req.method !== 'GET' ||
      req.headers.upgrade?.toLowerCase() !== 'websocket' ||
      typeof key !== 'string' ||
      !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())
    ) {
      rejectHandshake(socket, closed ? 503 : 400);
      return true;
    }

    let id = apiGatewayId();
    while (connections.has(id)) id = apiGatewayId();
    const info: ConnectionInfo = {
      id,
      connectedAt: Date.now(),
      sourceIp: sourceIpOf(req),
      userAgent: req.headers['user-agent'] ?? '',
    };

    let status: number;
    try {
      const result = await invoke('$connect', connectEvent(req, url, info));
      // API Gateway accepts the connection when $connect has no integration or answers without a status.
      status = result?.statusCode ?? 200;
      const protocol = Object.entries(result?.headers ?? {}).find(
        ([name]) => name.toLowerCase() === 'sec-websocket-protocol',
      )?.[1];
      if (protocol !== undefined) protocols.set(req, protocol);
    } catch (error) {
      console.error('WebSocket $connect handler threw:', error);
      status = 500;
    }
    if (closed) status = 503;
    if (status < 200 || status > 299) {
      rejectHandshake(socket, status);
      return true;
    }

    await new Promise<void>((resolve) => {
      // ws destroys the socket without calling back when the client left while $connect ran.
      socket.once('close', () => resolve());
      wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('error', ignoreError);
        const conn: Connection = {
          ...info,
          socket: ws,
          lastActiveAt: info.connectedAt,
          queue: Promise.resolve(),
          gone: false,
        };
        connections.set(conn.id, conn);
        live.add(conn);
        ws.on('error', () => undefined); // 'close' follows, and reports the code
        ws.on('message', (data, isBinary) => {
          if (conn.gone) return;
          conn.lastActiveAt = Date.now();
          conn.queue = conn.queue
            .then(() => handleMessage(conn, data, isBinary))
            .catch((error) => console.error('WebSocket message handling failed:', error));
        });
        ws.once('close', (code, reason) => {
          disconnect(conn, code, reason.toString('utf8'));
        });
        resolve();
      });
    });
    return true;
  }

  async function handleMessage(conn: Connection, data: RawData, isBinary: boolean) {
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    const body = isBinary ? buffer.toString('base64') : buffer.toString('utf8');
    let routeKey = '$default';
    if (!isBinary) {
      try {
        const selected = selectRoute(JSON.parse(body));
        if (selected !== undefined && options.routes[selected]) routeKey = selected;
      } catch {
        // Not JSON: API Gateway falls back to $default.
      }
    }
    const context = requestContext(conn, routeKey, 'MESSAGE', { messageId: apiGatewayId() });
    const reply = (payload: string) => {
      if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(payload);
    };
    if (!options.routes[routeKey]) {
      // What API Gateway answers when no route matches and there is no $default route.
      reply(JSON.stringify({ message: 'Forbidden', connectionId: conn.id, requestId: context.requestId }));
      return;
    }
    try {
      const result = await invoke(routeKey, { requestContext: context, body, isBase64Encoded: isBinary });
      if (typeof result?.body === 'string') reply(result.body);
    } catch (error) {
      console.error(`WebSocket ${routeKey} handler threw:`, error);
      reply(
        JSON.stringify({
          message: 'Internal server error',
          connectionId: conn.id,
          requestId: context.requestId,
        }),
      );
    }
  }

  /** Runs $disconnect once per connection, after the messages it already received. */
  function disconnect(conn: Connection, code: number, reason: string): Promise<void> {
    conn.disconnected ??= (async () => {
      conn.gone = true;
      connections.delete(conn.id);
      await conn.queue;
      const event: WebSocketEvent = {
        headers: {
          Host: options.domainName,
          'x-api-key': '',
          'X-Forwarded-For': '',
          'x-restapi': '',
        },
        multiValueHeaders: {
          Host: [options.domainName],
          'x-api-key': [''],
          'X-Forwarded-For': [''],
          'x-restapi': [''],
        },
        requestContext: requestContext(conn, '$disconnect', 'DISCONNECT', {
          disconnectStatusCode: code,
          disconnectReason: reason || DISCONNECT_REASONS[code] || '',
        }),
        isBase64Encoded: false,
      };
      try {
        await invoke('$disconnect', event);
      } catch (error) {
        console.error('WebSocket $disconnect handler threw:', error);
      } finally {
        live.delete(conn);
      }
    })();
    return conn.disconnected;
  }

  /** Closes from the server side; 'close' then fires $disconnect with the code the client echoes. */
  function closeFromServer(conn: Connection, code: number, reason?: string) {
    conn.gone = true;
    connections.delete(conn.id);
    const ws = conn.socket;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    // A client that never answers the close frame is cut off, as API Gateway would.
    setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS).unref();
  }

  async function handleManagement(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== managementPrefix && !pathname.startsWith(`${managementPrefix}/`)) return false;

    // The SDK sends POST|GET|DELETE {endpoint path}/@connections/{url-encoded connection id}.
    const match = pathname.slice(managementPrefix.length).match(/^\/(?:@|%40)connections\/([^/]+)$/);
    let connectionId: string | undefined;
    try {
      connectionId = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    } catch {
      connectionId = undefined;
    }
    const method = req.method ?? 'GET';
    if (!connectionId || !['POST', 'GET', 'DELETE'].includes(method)) {
      req.resume();
      sendError(res, 403, 'ForbiddenException', 'Forbidden');
      return true;
    }

    // Only GetConnection and DeleteConnection come without a body; PostToConnection's is the message.
    const data = await readBody(req, method === 'POST' ? MAX_MESSAGE_BYTES : 0);
    if (!data) {
      sendError(res, 413, 'PayloadTooLargeException', 'Request Entity Too Large');
      return true;
    }
    const refusal = verifySigV4(
      { method, url: req.url ?? '/', headers: req.headers, body: data },
      { credentials: managementCredentials, region: managementRegion, service: 'execute-api' },
    );
    if (refusal) {
      sendError(res, 403, refusal.errorType, refusal.message);
      return true;
    }

    if (method === 'POST') {
      const conn = connections.get(connectionId);
      if (!conn || conn.socket.readyState !== WebSocket.OPEN) {
        sendError(res, 410, 'GoneException');
      } else if (conn.socket.bufferedAmount > maxBufferedBytes) {
        // A slow client: refuse instead of buffering without bound; other connections are unaffected.
        sendError(res, 429, 'LimitExceededException', 'Limit Exceeded');
      } else {
        conn.socket.send(data, { binary: !isUtf8(data) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' }).end();
      }
      return true;
    }

    const conn = connections.get(connectionId);
    if (!conn) {
      sendError(res, 410, 'GoneException');
      return true;
    }
    if (method === 'GET') {
      const body = JSON.stringify({
        connectedAt: new Date(conn.connectedAt).toISOString(),
        identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
        lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
      });
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        .end(body);
      return true;
    }
    closeFromServer(conn, 1000);
    res.writeHead(204).end();
    return true;
  }

  async function close(): Promise<void> {
    closed = true;
    const pending = [...live].map((conn) => {
      if (!conn.gone) closeFromServer(conn, 1001, 'Going away');
      return new Promise<void>((resolve) => {
        if (conn.disconnected) resolve(conn.disconnected);
        else conn.socket.once('close', () => resolve(conn.disconnected));
      });
    });
    await Promise.all(pending);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  return { handleUpgrade, handleManagement, close };
}
