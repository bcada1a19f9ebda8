import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks an AWS Signature Version 4 `Authorization` header, as API Gateway does for IAM-authorized
 * calls such as the WebSocket `@connections` API. The local stack has one key pair (the one the
 * handlers sign with), so "valid" means signed with that secret, for this service, recently.
 */

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  url: string;
  /** Node's header map: names in lowercase. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Why a request is refused, with the error type and message API Gateway answers (all 403). */
export interface SigV4Refusal {
  errorType: string;
  message: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000; // what AWS allows between the signing time and its clock

const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The canonical URI exactly as the AWS SDK computes it (segments normalized, then encoded again). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  const pairs: string[] = [];
  for (const [key, value] of new URLSearchParams(query)) {
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push(`${escapeUri(key)}=${escapeUri(value)}`);
  }
  return pairs.sort().join('&');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

function parseAuthorization(header: string) {
  if (!header.startsWith(`${ALGORITHM} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const scope = fields.Credential?.split('/');
  const signedHeaders = fields.SignedHeaders?.split(';');
  const signature = fields.Signature;
  if (scope?.length !== 5 || !signedHeaders?.length || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    return undefined;
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator, signedHeaders, signature };
}

/** Parses X-Amz-Date (`20261204T113800Z`). */
function amzDate(value: string): Date | undefined {
  const m = value.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

/** Undefined when the request carries a valid signature by `credentials` for `service` in `region`. */
export function verifySigV4(
  req: SignedRequest,
  expected: { credentials: SigV4Credentials; region: string; service: string },
  now = new Date(),
): SigV4Refusal | undefined {
  const header = req.headers.authorization;
  const authorization = Array.isArray(header) ? header[0] : header;
  if (!authorization)
    return { errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const auth = parseAuthorization(authorization);
  if (!auth) {
    return {
      errorType: 'IncompleteSignatureException',
      message: `Authorization header requires '${ALGORITHM}' with Credential, SignedHeaders and Signature.`,
    };
  }
  if (auth.accessKeyId !== expected.credentials.accessKeyId) {
    return {
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const signedAt = amzDate(String(req.headers['x-amz-date'] ?? ''));
  if (!signedAt || !auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-amz-date')) {
    return {
      errorType: 'IncompleteSignatureException',
      message: 'The request must sign the host and x-amz-date headers.',
    };
  }
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) {
    return { errorType: 'InvalidSignatureException', message: 'Signature expired.' };
  }
  const longDate = String(req.headers['x-amz-date']);
  const mismatch = {
    errorType: 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  };
  if (
    auth.date !== longDate.slice(0, 8) ||
    auth.region !== expected.region ||
    auth.service !== expected.service ||
    auth.terminator !== 'aws4_request'
  ) {
    return mismatch;
  }

  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : req.url.slice(queryAt + 1);
  const headerValue = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const payloadHash = headerValue('x-amz-content-sha256') || sha256(req.body);
  const canonicalRequest = [
    req.method,
    canonicalPath(path),
    canonicalQuery(query),
    ...auth.signedHeaders.map((name) => `${name}:${headerValue(name)}`),
    '',
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, longDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${expected.credentials.secretAccessKey}`, auth.date);
  for (const part of [auth.region, auth.service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign);
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== signature.length || !timingSafeEqual(given, signature)) return mismatch;
  // A signed x-amz-content-sha256 must still be the hash of the body that arrived.
  if (payloadHash !== sha256(req.body)) return mismatch;
  return undefined;
}
