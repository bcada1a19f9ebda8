import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import type { Identity } from '../../shared/domain.ts';
import {
  DomainError,
  type ErrorEnvelope,
  type ErrorKind,
  invalid,
  isServerError,
  notFound,
  serverErrorMessage,
} from '../../shared/errors.ts';
import { formatIssue } from '../../shared/schemas/common.ts';
import { logger } from './logger.ts';

type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface HttpRequest<B, Q> {
  identity: Identity;
  body: B;
  /** The body as sent (for signature checks), with `rawBody: true`. */
  rawBody: string;
  query: Q;
  path: Record<string, string>;
  event: HttpEvent;
}

export interface HttpResult {
  statusCode: number;
  body?: unknown;
  /** A body sent as it is (an HTML page), with its content-type in `headers`; instead of `body`. */
  text?: string;
  headers?: Record<string, string>;
}

export interface RouteSpec<B, Q> {
  /** The schema of the JSON body; without one, a body is refused. */
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** Public routes (health, webhooks) have no identity. */
  public?: boolean;
  /** Hand over the body unparsed (webhooks verify a signature over the exact bytes). */
  rawBody?: boolean;
}

/** The one place where an error kind becomes an HTTP status. */
const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

/**
 * The one place where an error becomes a status and the envelope a client sees. Below 500 the domain
 * message (safe to show by construction); from 500 on only a generic message with the request id, and
 * `detail` for the log.
 */
export function mapError(
  error: unknown,
  requestId: string,
): { statusCode: number; envelope: ErrorEnvelope; detail?: Record<string, unknown> } {
  const statusCode = error instanceof DomainError ? STATUS[error.kind] : 500;
  const code = error instanceof DomainError ? error.code : 'internal';
  if (isServerError(error)) {
    const cause = error instanceof Error ? error.cause : undefined;
    return {
      statusCode,
      envelope: { error: { code, message: serverErrorMessage(requestId), requestId } },
      detail: { code, error, ...(cause === undefined ? {} : { cause }) },
    };
  }
  const { message, field } = error as DomainError;
  return { statusCode, envelope: { error: { code, message, ...(field ? { field } : {}), requestId } } };
}

/** API Gateway's request id; the Lambda request id when invoked without API Gateway. */
export const requestIdOf = (event: { requestContext?: { requestId?: string } }, context?: Context) =>
  event.requestContext?.requestId || context?.awsRequestId || 'unknown';

export const json = (statusCode: number, body?: unknown): HttpResult => ({ statusCode, body });

/** What `parseRequest` made of each event, for the handler of that invocation. */
const parsedRequests = new WeakMap<HttpEvent, HttpRequest<unknown, unknown>>();

/** What a path parameter may be; anything else is an id that cannot exist (404). */
export const PATH_PARAM = /^[A-Za-z0-9._@|:-]{1,128}$/;

function identityFrom(event: HttpEvent): Identity {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || !sub) {
    throw new DomainError(
      'unauthenticated',
      'auth.required',
      'Sign in first: send an access token as "Authorization: Bearer <token>".',
    );
  }
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    userId: sub,
    username:
      text(claims.preferred_username) ?? text(claims.username) ?? text(claims['cognito:username']) ?? sub,
    name: text(claims.name),
    email: text(claims.email),
  };
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const { field, message } = issue ? formatIssue(issue) : { field: 'body', message: 'body is invalid' };
  throw invalid('request.invalid', message, field);
}

/** The body as text, base64-decoded when API Gateway encoded it. */
function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function parseJsonBody(text: string): unknown {
  // No body, or only whitespace (a client sending Content-Length with nothing in it), is no body: a
  // schema whose fields are all optional (rollback, cancel) then reads it as `{}`.
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(
      'request.invalid_json',
      'body must be valid JSON (send Content-Type: application/json)',
      'body',
    );
  }
}

function parseRequest<B, Q>(spec: RouteSpec<B, Q>): MiddlewareObj<HttpEvent> {
  return {
    before: (request) => {
      const event = request.event;
      const path = (event.pathParameters ?? {}) as Record<string, string>;
      for (const [name, value] of Object.entries(path)) {
        // An id that cannot exist is simply not found: the same answer as any unknown id.
        if (!value || !PATH_PARAM.test(value))
          throw notFound('resource.not_found', `No ${name} ${value ?? ''} here.`);
      }
      const identity = spec.public ? (undefined as never) : identityFrom(event);
      const rawBody = bodyText(event);
      const raw = spec.rawBody ? undefined : parseJsonBody(rawBody);
      if (!spec.body && !spec.rawBody && raw !== undefined) {
        throw invalid('request.unexpected_body', 'body must be empty for this request', 'body');
      }
      const body = spec.body ? parseWith(spec.body, raw ?? {}) : undefined;
      const query = spec.query ? parseWith(spec.query, event.queryStringParameters ?? {}) : undefined;
      parsedRequests.set(event, { identity, body, rawBody, query, path, event });
      // Every line of this invocation names the run it is about (cleared after by injectLambdaContext).
      if (path.runId) logger.appendKeys({ runId: path.runId });
    },
  };
}

function toResponse(result: HttpResult): APIGatewayProxyStructuredResultV2 {
  if (result.text !== undefined) {
    return {
      statusCode: result.statusCode,
      headers: { 'cache-control': 'no-store', ...result.headers },
      body: result.text,
    };
  }
  return {
    statusCode: result.statusCode,
    headers: {
      ...(result.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'cache-control': 'no-store',
      ...result.headers,
    },
    ...(result.body === undefined ? {} : { body: JSON.stringify(result.body) }),
  };
}

/** The route and API Gateway request id on every line of the invocation, not only the request line. */
function requestKeys(): MiddlewareObj<HttpEvent> {
  return {
    before: (request) => {
      logger.appendKeys({
        route: request.event.routeKey,
        requestId: request.event.requestContext?.requestId,
      });
    },
  };
}

/** Logs one line per request, and maps errors (`mapError`): domain errors to their status, anything else to 500. */
function respond(): MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2, Error, Context> {
  const started = new WeakMap<object, number>();
  const log = (event: HttpEvent, status: number, extra: Record<string, unknown> = {}) => {
    const begun = started.get(event);
    logger.info('request', {
      status,
      ms: begun === undefined ? undefined : Math.round(performance.now() - begun),
      ...extra,
    });
  };
  return {
    before: (request) => {
      started.set(request.event, performance.now());
    },
    after: (request) => {
      log(request.event, request.response?.statusCode ?? 200);
    },
    onError: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      const { statusCode, envelope, detail } = mapError(request.error, requestId);
      if (detail) logger.error('request failed', { route: request.event.routeKey, requestId, ...detail });
      log(request.event, statusCode, { code: envelope.error.code });
      request.response = toResponse(json(statusCode, envelope));
    },
  };
}

/**
 * The one way to write an HTTP handler: parse (auth claims, path, query, body by schema), run the
 * function, map the result or the error. Handlers contain only the call to their use case.
 */
export function httpHandler<B = undefined, Q = undefined>(
  spec: RouteSpec<B, Q>,
  fn: (request: HttpRequest<B, Q>) => Promise<HttpResult>,
) {
  const handler = middy<HttpEvent, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestKeys())
    .use(respond())
    .use(parseRequest(spec))
    .handler(async (event) => {
      const request = parsedRequests.get(event) as HttpRequest<B, Q>;
      return toResponse(await fn(request));
    });
  // The schemas it parses with, so a test can hold the API document to exactly these (functions/openapi).
  return Object.assign(handler, { spec: spec as RouteSpec<unknown, unknown> });
}
