import { type RefObject, useRef, useState } from 'react';
import { describeError } from '../error-message.tsx';
import { apiFieldError, type FieldErrors, useFocusFirstError } from './field-errors.ts';

/**
 * What a form's check found before anything is sent: the data to send, errors by field (shown
 * without a request), or a reason to send nothing that goes to the summary ("Nothing changed").
 */
export type Checked<T> =
  | { data: T; errors?: undefined; failure?: undefined }
  | { data?: undefined; errors: FieldErrors; failure?: undefined }
  | { data?: undefined; errors?: undefined; failure: string };

/** The data a passing check hands to `send`. */
type DataOf<C> = Exclude<C extends { data: infer T } ? T : never, undefined>;

export interface SubmitOptions {
  /**
   * Whether a server error that names a field goes next to that field (the default). Forms without
   * fields of their own (a typed confirmation) show every error in the summary.
   */
  fieldErrors?: boolean;
  /** Whether focus moves to the summary when a server error lands there (not next to a field). */
  focusFailure?: boolean;
}

export interface Submit {
  /** A request is on its way: disable the submit button, show a spinner. */
  busy: boolean;
  /** Errors by field path, from the check or from the server. */
  errors: FieldErrors;
  /** An error that belongs to no field, for the form's summary. */
  failure: string | undefined;
  /** Clears the last outcome (a dialog cancelled, a form put away). */
  reset(): void;
  /**
   * One submit: clears the last outcome; runs `check` and shows what it found without a request;
   * otherwise marks the form busy, sends, and maps a failure to its field (focus moves there) or to
   * the summary, in words a user can act on. A second submit while one is on its way is ignored.
   */
  run<C extends Checked<unknown>>(check: () => C, send: (data: DataOf<C>) => Promise<unknown>): Promise<void>;
}

/** The one submit path of the SPA's forms: busy state, the call, and where its errors go. */
export function useSubmit(
  formRef: RefObject<HTMLElement | null>,
  { fieldErrors = true, focusFailure = false }: SubmitOptions = {},
): Submit {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const focusFirstError = useFocusFirstError(formRef, errors, failure);

  const run = async <C extends Checked<unknown>>(
    check: () => C,
    send: (data: DataOf<C>) => Promise<unknown>,
  ) => {
    if (sending.current) return;
    setFailure(undefined);
    const checked = check();
    if (checked.errors) {
      focusFirstError();
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    if (checked.failure !== undefined) {
      setFailure(checked.failure);
      return;
    }
    sending.current = true;
    setBusy(true);
    try {
      await send(checked.data as DataOf<C>);
    } catch (error) {
      const byField = fieldErrors ? apiFieldError(error) : undefined;
      if (byField) {
        focusFirstError();
        setErrors(byField);
      } else {
        if (focusFailure) focusFirstError();
        setFailure(describeError(error));
      }
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  const reset = () => {
    setErrors({});
    setFailure(undefined);
  };

  return { busy, errors, failure, reset, run };
}
