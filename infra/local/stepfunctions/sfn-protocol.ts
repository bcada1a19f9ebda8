import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The AWS JSON 1.0 protocol as Step Functions speaks it: `POST /` with
 * `x-amz-target: AWSStepFunctions.<Operation>`, JSON bodies, dates as epoch seconds, and errors as
 * HTTP 4xx with `{ "__type": "<namespace>#<Code>", "message": … }`. The SDK keeps the part after
 * `#` and throws its typed exception of that name (e.g. `ExecutionDoesNotExist`).
 */

export const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model';
/** StartExecution input is at most 256 KiB; this leaves room for the rest of a request. */
const MAX_BODY_BYTES = 1024 * 1024;

export type SfnErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'InvalidArn'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'InvalidOutput'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'ServiceUnavailable'
  | 'InternalFailure';

export class SfnServiceError extends Error {
  constructor(
    readonly code: SfnErrorCode,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export async function readJsonRequest(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new SfnServiceError('ValidationException', 'Request body is too large.', 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SfnServiceError('SerializationException', 'The request body is not valid JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SfnServiceError('SerializationException', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function sendResult(res: ServerResponse, body: unknown): void {
  send(res, 200, body);
}

export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof SfnServiceError) {
    send(res, error.statusCode, { __type: `${ERROR_NAMESPACE}#${error.code}`, message: error.message });
  } else {
    send(res, 500, { __type: `${ERROR_NAMESPACE}#InternalFailure`, message: 'Internal error' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    })
    .end(text);
}

/** Dates on the wire: epoch seconds (fractions allowed). */
export const epochSeconds = (epochMs: number): number => epochMs / 1000;

// Request field readers: a wrong type is a ValidationException, as in AWS.

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new SfnServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new SfnServiceError('ValidationException', `Value at '${field}' must be a string.`);
  }
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    throw new SfnServiceError('ValidationException', `Value at '${field}' must be a boolean.`);
  }
  return value;
}

/** `maxResults`: 0 or absent means the default page size; at most 1000. */
export function pageSize(body: Record<string, unknown>, defaultSize = 100): number {
  const value = body.maxResults;
  if (value === undefined || value === null || value === 0) return defaultSize;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new SfnServiceError(
      'ValidationException',
      "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 1000",
    );
  }
  return value;
}

/** Opaque pagination tokens: the position after which the next page starts. */
export function encodeToken(kind: string, after: number): string {
  return Buffer.from(JSON.stringify({ kind, after })).toString('base64url');
}

export function decodeToken(kind: string, token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      kind?: unknown;
      after?: unknown;
    };
    if (decoded.kind === kind && typeof decoded.after === 'number') return decoded.after;
  } catch {
    // falls through to InvalidToken
  }
  throw new SfnServiceError('InvalidToken', `Invalid Token: '${token}'`);
}

/** One page of `items` (already in response order) starting after the item whose key is `after`. */
export function paginate<T>(
  items: readonly T[],
  key: (item: T) => number,
  options: { after: number | undefined; size: number; descending: boolean; tokenKind: string },
): { page: T[]; nextToken?: string } {
  const { after, size, descending, tokenKind } = options;
  const start =
    after === undefined ? 0 : items.findIndex((item) => (descending ? key(item) < after : key(item) > after));
  if (start < 0) return { page: [] };
  const page = items.slice(start, start + size);
  const last = page.at(-1);
  return start + size < items.length && last !== undefined
    ? { page, nextToken: encodeToken(tokenKind, key(last)) }
    : { page };
}

/**
 * Execution names as AWS accepts them: 1–80 characters, without whitespace, brackets
 * (`< > { } [ ]`), wildcards (`? *`), special characters (`" # % \ ^ | ~ ` $ & , ; : /`) or
 * control characters (U+0000–U+001F, U+007F–U+009F).
 */
export function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u.test(name)) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}
