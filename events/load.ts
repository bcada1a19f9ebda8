import { createHmac } from 'node:crypto';
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

/** A GitHub webhook delivery as GitHub sends it: its headers and the exact body bytes. */
export interface GithubDelivery {
  headers: Record<string, string>;
  body: string;
  payload: Record<string, unknown>;
}

/**
 * A GitHub delivery from events/github/ (`githubDelivery('push', secret)`), signed again with `secret`
 * after `change` edits the payload. The samples carry GitHub's signature headers computed with the
 * secret of GitHub's documentation example ("It's a Secret to Everybody").
 */
export function githubDelivery(
  name: string,
  secret: string,
  change: (payload: Record<string, unknown>, headers: Record<string, string>) => void = () => {},
): GithubDelivery {
  const sample = loadEvent<{ headers: Record<string, string>; body: Record<string, unknown> }>(
    'github',
    name,
  );
  change(sample.body, sample.headers);
  const body = JSON.stringify(sample.body);
  const sign = (algorithm: string) => createHmac(algorithm, secret).update(body).digest('hex');
  return {
    headers: {
      ...sample.headers,
      'X-Hub-Signature': `sha1=${sign('sha1')}`,
      'X-Hub-Signature-256': `sha256=${sign('sha256')}`,
    },
    body,
    payload: sample.body,
  };
}

/**
 * The delivery as API Gateway hands it to the webhook function: the real payload-v2 event of a GitHub
 * ping (events/apigw-http/github-ping.json) with this delivery's headers (names lowercased) and body.
 */
export function githubWebhookEvent(delivery: GithubDelivery): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = loadEvent('apigw-http', 'github-ping');
  for (const name of Object.keys(event.headers))
    if (/^x-(github|hub)-/.test(name)) delete event.headers[name];
  for (const [name, value] of Object.entries(delivery.headers)) event.headers[name.toLowerCase()] = value;
  event.headers['content-length'] = String(Buffer.byteLength(delivery.body));
  event.body = delivery.body;
  return event;
}
