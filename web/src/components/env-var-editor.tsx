import type { EnvVarView } from '@shared/domain.ts';
import type { EnvVarInput } from '@shared/schemas/project.ts';
import { useEffect, useRef, useState } from 'react';
import { type FieldErrors, fieldId } from './form/field-errors.ts';
import { CheckboxField, FieldMessages, TextField } from './form/fields.tsx';

/** One row of the editor. Secret values are write-only: a stored secret's value is never known here. */
export interface EnvRow {
  key: string;
  name: string;
  value: string;
  secret: boolean;
  /** The name a secret is stored under (editing an existing project); its value stays on the server. */
  storedName?: string | undefined;
  /** The user chose to give a stored secret a new value. */
  replacing: boolean;
}

let nextKey = 0;
const newKey = () => `env-${++nextKey}`;

export const newEnvRow = (): EnvRow => ({
  key: newKey(),
  name: '',
  value: '',
  secret: false,
  replacing: false,
});

export const envRowsFromView = (env: readonly EnvVarView[]): EnvRow[] =>
  env.map((v) =>
    v.secret
      ? { key: newKey(), name: v.name, value: '', secret: true, storedName: v.name, replacing: false }
      : { key: newKey(), name: v.name, value: v.value, secret: false, replacing: false },
  );

/** A stored secret the user left alone: sent by name only, so the API keeps its value. */
const keepsStored = (row: EnvRow) => row.secret && row.storedName !== undefined && !row.replacing;

/** What the API takes (a secret sent without a value keeps its stored value on PATCH). */
export const envRowsToInput = (rows: readonly EnvRow[]): EnvVarInput[] =>
  rows.map((row) =>
    keepsStored(row)
      ? { name: row.name, secret: true }
      : { name: row.name, value: row.value, secret: row.secret },
  );

/**
 * What the shared schema cannot see: a name used twice (shown while typing) and a stored secret
 * renamed without a new value (the API keeps a value only under its original name).
 */
export function envRowErrors(rows: readonly EnvRow[]): FieldErrors {
  const errors: FieldErrors = {};
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    if (row.name && seen.has(row.name)) errors[`env.${i}.name`] = `must be unique; ${row.name} appears twice`;
    seen.add(row.name);
    if (keepsStored(row) && row.name !== row.storedName) {
      errors[`env.${i}.name`] ??=
        `cannot change while the stored value is kept; choose Replace and enter the value again`;
    }
  });
  return errors;
}

export function EnvVarEditor({
  rows,
  onChange,
  errors,
}: {
  rows: EnvRow[];
  onChange: (rows: EnvRow[]) => void;
  errors: FieldErrors;
}) {
  const addButton = useRef<HTMLButtonElement>(null);
  const [focusTarget, setFocusTarget] = useState<string>();
  const live = envRowErrors(rows);

  useEffect(() => {
    if (!focusTarget) return;
    (focusTarget === 'add' ? addButton.current : document.getElementById(focusTarget))?.focus();
    setFocusTarget(undefined);
  }, [focusTarget]);

  const update = (key: string, patch: Partial<EnvRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  const add = () => {
    onChange([...rows, newEnvRow()]);
    setFocusTarget(fieldId(`env.${rows.length}.name`));
  };
  const remove = (key: string) => {
    onChange(rows.filter((row) => row.key !== key));
    setFocusTarget('add');
  };

  return (
    <fieldset className="fieldset stack-sm">
      <legend>Environment variables</legend>
      <p className="field-hint">
        Given to the app when it runs. Mark passwords, keys and tokens as secret: their values go to the
        secret store, never into git, and cannot be read back.
      </p>
      {errors.env && <p className="field-error">Environment variables {errors.env}</p>}
      {rows.length === 0 ? (
        <p className="muted small">No variables yet.</p>
      ) : (
        <ul className="rows-editor">
          {rows.map((row, i) => (
            <EnvRowEditor
              key={row.key}
              row={row}
              index={i}
              errors={{
                name: errors[`env.${i}.name`] ?? live[`env.${i}.name`],
                value: errors[`env.${i}.value`],
              }}
              onChange={(patch) => update(row.key, patch)}
              onReplace={() => {
                update(row.key, { replacing: true, value: '' });
                setFocusTarget(fieldId(`env.${i}.value`));
              }}
              onRemove={() => remove(row.key)}
            />
          ))}
        </ul>
      )}
      <div>
        <button ref={addButton} type="button" className="btn btn-sm" onClick={add}>
          Add variable
        </button>
      </div>
    </fieldset>
  );
}

function EnvRowEditor({
  row,
  index,
  errors,
  onChange,
  onReplace,
  onRemove,
}: {
  row: EnvRow;
  index: number;
  errors: { name: string | undefined; value: string | undefined };
  onChange: (patch: Partial<EnvRow>) => void;
  onReplace: () => void;
  onRemove: () => void;
}) {
  const valuePath = `env.${index}.value`;
  const toggleSecret = (secret: boolean) =>
    // Turning a stored secret into a plain variable needs a value: it starts empty, never prefilled.
    onChange(keepsStored(row) && !secret ? { secret, replacing: true, value: '' } : { secret });

  return (
    <li>
      <fieldset className="env-row">
        <legend className="visually-hidden">{`Variable ${index + 1}${row.name ? `: ${row.name}` : ''}`}</legend>
        <TextField
          path={`env.${index}.name`}
          label="Variable name"
          value={row.name}
          onChange={(name) => onChange({ name })}
          error={errors.name}
          autoComplete="off"
          spellCheck={false}
          placeholder="DATABASE_URL"
        />
        {keepsStored(row) ? (
          <div className="field">
            <span className="field-label" id={`${fieldId(valuePath)}-label`}>
              Value
            </span>
            <div className="secret-set">
              <span className="code" aria-hidden="true">
                •••• set
              </span>
              <span className="visually-hidden">A secret value is stored and hidden.</span>
              <button
                type="button"
                className="btn btn-sm"
                onClick={onReplace}
                aria-label={`Replace the value of ${row.storedName}`}
              >
                Replace
              </button>
            </div>
            <FieldMessages id={fieldId(valuePath)} label="Value" error={errors.value} />
          </div>
        ) : (
          <div className="stack-sm">
            <TextField
              path={valuePath}
              label={row.secret ? 'Secret value' : 'Value'}
              type={row.secret ? 'password' : 'text'}
              value={row.value}
              onChange={(value) => onChange({ value })}
              error={errors.value}
              autoComplete={row.secret ? 'new-password' : 'off'}
              spellCheck={false}
            />
            {row.storedName !== undefined && row.secret && (
              <button
                type="button"
                className="link-button small"
                onClick={() => onChange({ replacing: false, value: '' })}
              >
                Keep the stored value
              </button>
            )}
          </div>
        )}
        <div className="row-control">
          <CheckboxField
            path={`env.${index}.secret`}
            label="Secret"
            checked={row.secret}
            onChange={toggleSecret}
          />
        </div>
        <div className="row-control">
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            onClick={onRemove}
            aria-label={`Remove variable ${row.name || index + 1}`}
          >
            Remove
          </button>
        </div>
      </fieldset>
    </li>
  );
}
