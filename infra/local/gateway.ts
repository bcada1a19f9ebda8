import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { type HttpRoute, routeKey } from '../../functions/routes.ts';
import { lambdaContext, toApiGatewayEvent } from './apigw-event.ts';

type LambdaHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

export interface TokenVerifier {
  verify(token: string): Promise<Record<string, unknown>>;
}

interface CompiledRoute {
  route: HttpRoute;
  pattern: RegExp;
  params: string[];
  handler: LambdaHandler;
}

const MAX_BODY = 10 * 1024 * 1024; // API Gateway's payload limit

/** Turns `/api/workspaces/{workspaceId}` into a regex that captures each parameter. */
export function compilePath(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const m = segment.match(/^\{(\w+)\}$/);
      if (!m?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}

/** Loads every route's handler module, as Lambda would at cold start: a broken module fails here. */
export async function loadRoutes(
  routes: readonly HttpRoute[],
  importHandler: (module: string) => Promise<LambdaHandler>,
): Promise<CompiledRoute[]> {
  return Promise.all(
    routes.map(async (route) => ({
      route,
      ...compilePath(route.path),
      handler: await importHandler(route.handler),
    })),
  );
}

/**
 * An error the gateway answers itself (no route, no token, too large, malformed path), in the one JSON
 * envelope every error uses: `{ error: { code, message, requestId } }`. The request id is also sent
 * as `apigw-requestid`, the header API Gateway sets.
 */
export function sendGatewayError(
  res: ServerResponse,
  status: number,
  error: { code: string; message: string; requestId?: string },
  headers: Record<string, string> = {},
) {
  const requestId = error.requestId ?? randomUUID();
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'apigw-requestid': requestId,
      ...headers,
    })
    .end(JSON.stringify({ error: { code: error.code, message: error.message, requestId } }));
}

/** decodeURIComponent, or undefined for a malformed %-escape (which it would throw on). */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const MALFORMED_PATH = 'The path has a malformed %-escape: every % must start a UTF-8 escape such as %2F.';

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wharf (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>Wharf is running</h1><p>The web app has not been built into <code>web/dist</code> yet, so this page stands in for it.</p>
<p>The API is at <a href="/api/health"><code>/api</code></a> and the sign-in issuer at <a href="/oidc/.well-known/openid-configuration"><code>/oidc</code></a>.
Get a token with <code>npm run --silent token -- alice</code>.</p></body></html>`;

/** Serves the built SPA from web/dist (falling back to index.html for client routes), or a plain page. */
export async function serveWeb(webDist: string, pathname: string, res: ServerResponse) {
  const decoded = decodePathSegment(pathname);
  if (decoded === undefined) {
    return sendGatewayError(res, 400, { code: 'request.invalid', message: MALFORMED_PATH });
  }
  const root = resolve(webDist);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PLACEHOLDER);
    return;
  }
  const file = normalize(join(root, decoded));
  const target = file.startsWith(root) && existsSync(file) && extname(file) ? file : index;
  const body = await readFile(target);
  res
    .writeHead(200, {
      'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream',
      'cache-control': target === index ? 'no-cache' : 'public, max-age=31536000, immutable',
    })
    .end(body);
}

/**
 * The API part of the local gateway: matches the route table, runs the JWT authorizer's checks, and
 * invokes the handler with the exact payload-v2 event, writing its result as API Gateway would.
 */
export function makeApiGateway(routes: CompiledRoute[], verifier: TokenVerifier) {
  return async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL) {
    const method = req.method ?? 'GET';
    const requestId = randomUUID();
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      req.resume();
      sendGatewayError(res, status, { code, message, requestId }, headers);
    };
    let matched: { route: CompiledRoute; match: RegExpMatchArray } | undefined;
    const allowed = new Set<string>();
    for (const r of routes) {
      const m = url.pathname.match(r.pattern);
      if (!m) continue;
      if (r.route.method !== method) {
        allowed.add(r.route.method);
        continue;
      }
      matched = { route: r, match: m };
      break;
    }
    if (!matched && allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      return fail(405, 'method.not_allowed', `${method} is not allowed here; use ${allow}.`, { allow });
    }
    if (!matched) return fail(404, 'route.not_found', `No route for ${method} ${url.pathname}.`);
    const params: Record<string, string> = {};
    for (const [i, name] of matched.route.params.entries()) {
      const value = decodePathSegment(matched.match[i + 1] ?? '');
      if (value === undefined) return fail(400, 'request.invalid', MALFORMED_PATH);
      params[name] = value;
    }
    const route = matched.route;

    let claims: Record<string, unknown> | undefined;
    if (route.route.auth === 'jwt') {
      const header = req.headers.authorization ?? '';
      const token = header.match(/^Bearer\s+(\S+)$/i)?.[1];
      const challenge = (description: string) => ({
        'www-authenticate': `Bearer error="invalid_token", error_description="${description}"`,
      });
      if (!token) {
        return fail(
          401,
          'auth.unauthorized',
          'Sign in first: send an access token as "Authorization: Bearer <token>".',
          challenge('missing bearer token'),
        );
      }
      try {
        claims = await verifier.verify(token);
      } catch (error) {
        const description = (error as Error).message.replace(/["\\]/g, "'").slice(0, 200);
        return fail(
          401,
          'auth.unauthorized',
          'The access token is not valid (expired, or not issued for this API): sign in again.',
          challenge(description),
        );
      }
    }

    const body = await readBody(req);
    if (!body) return fail(413, 'request.too_large', 'The request body is larger than 10 MB.');
    const event = toApiGatewayEvent({
      method,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers: req.headers,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      routeKey: routeKey(route.route),
      pathParameters: params,
      claims,
      scopes: typeof claims?.scope === 'string' ? claims.scope.split(' ') : undefined,
      requestId,
    });

    let result: Awaited<ReturnType<LambdaHandler>>;
    try {
      result = await route.handler(event, lambdaContext(route.route.handler.replaceAll('/', '-')));
    } catch (error) {
      console.error(`handler ${route.route.handler} threw (request ${requestId}):`, error);
      return fail(500, 'internal', `Something went wrong on our side. Request id: ${requestId}.`);
    }
    writeLambdaResult(res, result);
  };
}

/** Writes a Lambda proxy result the way API Gateway does, including its format-2.0 shortcuts. */
function writeLambdaResult(
  res: ServerResponse,
  result: APIGatewayProxyStructuredResultV2 | string | undefined,
) {
  if (result === undefined || typeof result === 'string' || typeof result.statusCode !== 'number') {
    // Payload 2.0: a result without statusCode is treated as a 200 JSON body.
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body =
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode, headers).end(body);
}
