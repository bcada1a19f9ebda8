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

  constructor(kind: ErrorKind, code: string, message: string, field?: string) {
    super(message);
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

export const unavailable = (code: string, message: string) => new DomainError('unavailable', code, message);

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

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
