import { type RefObject, useEffect, useRef } from 'react';
import type * as z from 'zod';
import { ApiError } from '../../api/client.ts';

/**
 * Field errors by the API's field path (`name`, `repository.url`, `env.2.value`). Each value is the
 * rule alone ("must be …"); the field component puts its own label in front, so a client-side
 * zod issue and a server 400 read the same.
 */
export type FieldErrors = Record<string, string>;

/** The DOM id of the control for a field path: `env.2.value` → `field-env-2-value`. */
export const fieldId = (path: string) => `field-${path.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

/** Every issue of a failed parse, first one per field (the schemas are the API's own). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
    const key = path.join('.') || 'body';
    errors[key] ??= issue.message;
  }
  return errors;
}

/** Validates with a shared schema: `{ data }` or `{ errors }`. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { data: z.output<S>; errors?: undefined } | { data?: undefined; errors: FieldErrors } {
  const parsed = schema.safeParse(input);
  return parsed.success ? { data: parsed.data } : { errors: issuesToErrors(parsed.error.issues) };
}

/**
 * A server error that names a field (400 bad input, 409 name taken) as a field error; the API's
 * message starts with the field path, which the field's label replaces.
 */
export function apiFieldError(error: unknown): FieldErrors | undefined {
  if (!(error instanceof ApiError) || !error.field || error.status >= 500) return undefined;
  const prefix = `${error.field} `;
  const rule = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return { [error.field]: rule };
}

/**
 * "Name" + "must be …" → "Name must be …": the rule read with the label the user sees. A label's
 * "(optional)" tells what may be left empty; in an error about a value that was given it reads as
 * nonsense ("Custom domain (optional) must be …"), so it is dropped there.
 */
export const labelled = (label: string, rule: string) =>
  `${label.replace(/\s*\(optional\)\s*$/i, '')} ${rule}`;

/**
 * After a submit that found errors, moves focus to the first invalid control in the form (document
 * order), or to the form's error summary when no control carries the error (or the error is a
 * `failure` that belongs to no field).
 */
export function useFocusFirstError(
  formRef: RefObject<HTMLElement | null>,
  errors: FieldErrors,
  failure?: string | undefined,
) {
  const pending = useRef(false);
  useEffect(() => {
    if (!pending.current || (Object.keys(errors).length === 0 && failure === undefined)) return;
    pending.current = false;
    const form = formRef.current;
    const target =
      form?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form?.querySelector<HTMLElement>('[data-error-summary]');
    target?.focus();
  }, [errors, failure, formRef]);
  return () => {
    pending.current = true;
  };
}
