import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';

export interface IncomingRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
  claims: Record<string, unknown> | undefined;
  scopes: string[] | undefined;
  /** The gateway's id for this request, also in its own error answers. Default: a new one. */
  requestId?: string;
}

const TEXT_TYPES = /^(application\/(json|x-www-form-urlencoded|xml|[a-z.+-]*\+json)|text\/)/i;

/**
 * API Gateway's JWT authorizer hands claims to the function as strings: arrays become "[a b]",
 * numbers and booleans their text. Doing the same here keeps handlers from depending on local types.
 */
function claimsAsApiGatewayDoes(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [
      k,
      Array.isArray(v)
        ? `[${v.join(' ')}]`
        : typeof v === 'object' && v !== null
          ? JSON.stringify(v)
          : String(v),
    ]),
  );
}

/** Builds the exact HTTP API payload format 2.0 event API Gateway sends to a Lambda integration. */
export function toApiGatewayEvent(
  req: IncomingRequest,
  now = new Date(),
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookies.push(...String(value).split(/;\s*/).filter(Boolean));
      continue;
    }
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.rawQueryString)) {
    query[k] = k in query ? `${query[k]},${v}` : v;
  }
  const contentType = headers['content-type'] ?? '';
  const hasBody = req.body.length > 0;
  // A body goes as text only when its content type is text and its bytes are valid UTF-8; anything
  // else is base64-encoded, so no byte changes on the way (webhook signatures cover the exact bytes).
  const isText = !hasBody || ((TEXT_TYPES.test(contentType) || contentType === '') && isUtf8(req.body));
  const host = headers.host ?? 'localhost';
  const event = {
    version: '2.0',
    routeKey: req.routeKey,
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      ...(req.claims
        ? { authorizer: { jwt: { claims: claimsAsApiGatewayDoes(req.claims), scopes: req.scopes ?? null } } }
        : {}),
      domainName: host.split(':')[0] ?? 'localhost',
      domainPrefix: (host.split('.')[0] ?? 'localhost').split(':')[0] ?? 'localhost',
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: req.requestId ?? randomUUID(),
      routeKey: req.routeKey,
      stage: '$default',
      time: formatApiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(req.pathParameters && Object.keys(req.pathParameters).length
      ? { pathParameters: req.pathParameters }
      : {}),
    ...(hasBody ? { body: isText ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !isText,
  };
  return event as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "22/Nov/2026:10:00:00 +0000", as requestContext.time is written by API Gateway. */
function formatApiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** A Lambda context as the runtime would pass it, with the function's timeout. */
export function lambdaContext(functionName: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
