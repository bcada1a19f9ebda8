import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

const cache = new Map<string, unknown>();

/**
 * Loads a sample event by source and name (`loadEvent('apigw-http', 'create-project')`) and returns
 * a fresh clone, so tests can change it freely.
 */
export function loadEvent<T = APIGatewayProxyEventV2WithJWTAuthorizer>(source: string, name: string): T {
  const key = `${source}/${name}`;
  if (!cache.has(key)) {
    const file = fileURLToPath(new URL(`./${source}/${name}.json`, import.meta.url));
    cache.set(key, JSON.parse(readFileSync(file, 'utf8')));
  }
  return structuredClone(cache.get(key)) as T;
}

/** A payload-v2 event for the same route, with another body, path parameters or caller. */
export function withRequest(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  changes: {
    body?: unknown;
    pathParameters?: Record<string, string>;
    sub?: string;
    query?: Record<string, string>;
  },
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const e = structuredClone(event);
  if ('body' in changes)
    e.body = typeof changes.body === 'string' ? changes.body : JSON.stringify(changes.body);
  if (changes.pathParameters) {
    e.pathParameters = changes.pathParameters;
    let path = e.routeKey.split(' ')[1] ?? e.rawPath;
    for (const [k, v] of Object.entries(changes.pathParameters))
      path = path.replace(`{${k}}`, encodeURIComponent(v));
    e.rawPath = path;
    e.requestContext.http.path = path;
  }
  if (changes.query) {
    e.queryStringParameters = changes.query;
    e.rawQueryString = new URLSearchParams(changes.query).toString();
  }
  if (changes.sub) {
    e.requestContext.authorizer.jwt.claims.sub = changes.sub;
    e.requestContext.authorizer.jwt.claims.preferred_username = changes.sub;
  }
  return e;
}
