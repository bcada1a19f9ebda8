import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { fieldId, labelled } from './field-errors.ts';

interface FieldProps {
  /** The API field path (`repository.url`): gives the control its id and matches server errors. */
  path: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
}

/** id of the hint and the error, for aria-describedby. */
function describedBy(id: string, hint: ReactNode, error: string | undefined) {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

export function FieldMessages({
  id,
  label,
  hint,
  error,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
}) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {labelled(label, error)}
        </p>
      )}
    </>
  );
}

type TextFieldProps = FieldProps &
  Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> & {
    value: string;
    onChange: (value: string) => void;
  };

/** A labelled input with its hint and error wired to it (aria-describedby, aria-invalid). */
export function TextField({ path, label, hint, error, value, onChange, ...input }: TextFieldProps) {
  const id = fieldId(path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        type="text"
        {...input}
        id={id}
        name={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
      <FieldMessages id={id} label={label} hint={hint} error={error} />
    </div>
  );
}

type TextAreaFieldProps = FieldProps &
  Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'value' | 'onChange'> & {
    value: string;
    onChange: (value: string) => void;
  };

/** A labelled multi-line input (a reason, a note), wired like `TextField`. */
export function TextAreaField({
  path,
  label,
  hint,
  error,
  value,
  onChange,
  ...textarea
}: TextAreaFieldProps) {
  const id = fieldId(path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        rows={2}
        {...textarea}
        id={id}
        name={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
      <FieldMessages id={id} label={label} hint={hint} error={error} />
    </div>
  );
}

type SelectFieldProps = FieldProps &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'value' | 'onChange'> & {
    value: string;
    onChange: (value: string) => void;
    options: readonly { value: string; label: string }[];
  };

export function SelectField({
  path,
  label,
  hint,
  error,
  value,
  onChange,
  options,
  ...select
}: SelectFieldProps) {
  const id = fieldId(path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        {...select}
        id={id}
        name={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldMessages id={id} label={label} hint={hint} error={error} />
    </div>
  );
}

type CheckboxFieldProps = FieldProps & {
  checked: boolean;
  onChange: (checked: boolean) => void;
};

export function CheckboxField({ path, label, hint, error, checked, onChange }: CheckboxFieldProps) {
  const id = fieldId(path);
  return (
    <div className="field">
      <label className="field-inline" htmlFor={id}>
        <input
          type="checkbox"
          id={id}
          name={path}
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, hint, error)}
        />
        <span>{label}</span>
      </label>
      <FieldMessages id={id} label={label} hint={hint} error={error} />
    </div>
  );
}

/** Errors no control carries (`body`, `services` as a whole): shown above the actions, focusable. */
export function ErrorSummary({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="callout callout-error" role="alert" tabIndex={-1} data-error-summary>
      {messages.length === 1 ? (
        <p>{messages[0]}</p>
      ) : (
        <ul>
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
