/**
 * Errors the domain raises on purpose. Each carries a stable code (`project.name_taken`) that clients
 * can branch on, a kind that the HTTP layer maps to a status in one place, and a message safe to show.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unavailable';

export class DomainError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly field: string | undefined;

  /** `cause`: what went wrong underneath (an SDK error, say), for the log only. */
  constructor(kind: ErrorKind, code: string, message: string, field?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    this.field = field;
  }
}

export const invalid = (code: string, message: string, field?: string) =>
  new DomainError('invalid', code, message, field);
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const conflict = (code: string, message: string, field?: string) =>
  new DomainError('conflict', code, message, field);

/**
 * A host another project (in any workspace) already holds. `field` is the input that gave the host:
 * `domain` for a custom domain, `name` for a derived platform host.
 */
export const hostTaken = (host: string, field: 'domain' | 'name' = 'domain') =>
  conflict(
    'project.host_taken',
    field === 'domain'
      ? `domain ${host} is already served by another project`
      : `name gives the host ${host}, which another project already serves; choose another name`,
    field,
  );

/** A dependency is down or refused us: the platform's fault (503). `cause` is logged, never shown. */
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new DomainError('unavailable', code, message, undefined, cause === undefined ? undefined : { cause });

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

/**
 * Errors that are the platform's fault (5xx). Their message may carry a dependency's detail, so clients
 * get `serverErrorMessage` instead and the detail goes to the log.
 */
export const isServerError = (error: unknown): boolean =>
  !(error instanceof DomainError) || error.kind === 'unavailable';

export const serverErrorMessage = (requestId?: string) =>
  `Something went wrong on our side; try again.${requestId ? ` Request id ${requestId}.` : ''}`;

/** The body of every error response, 401 and 404 included. */
export interface ErrorEnvelope {
  error: {
    /** Stable, for clients to branch on (`project.name_taken`). */
    code: string;
    /** Safe to show; for 5xx a generic message with the request id. */
    message: string;
    /** The request field at fault, when there is one. */
    field?: string;
    /** API Gateway's request id (the Lambda request id without one): what support looks up in the logs. */
    requestId: string;
  };
}

/**
 * An error a deploy workflow task raises. Its `name` is what the state machine's Retry and Catch
 * match (the names are listed in shared/use-cases/workflow/contract.ts); anything but a transient
 * error ends the run with the message as its reason.
 */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The error name every workflow task's Retry matches: a delivery system was briefly unavailable. */
export const TRANSIENT_ERROR = 'TransientError';

export const transientError = (message: string) => new WorkflowError(TRANSIENT_ERROR, message);
