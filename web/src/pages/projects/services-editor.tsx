import { useEffect, useRef, useState } from 'react';
import { type FieldErrors, fieldId } from '../../components/form/field-errors.ts';
import { TextField } from '../../components/form/fields.tsx';
import { newServiceRow, type ServiceRow } from './project-form-model.ts';

/** The services of a microservices project: one row each; exactly one is the entry (it gets the URL). */
export function ServicesEditor({
  rows,
  onChange,
  errors,
}: {
  rows: ServiceRow[];
  onChange: (rows: ServiceRow[]) => void;
  errors: FieldErrors;
}) {
  const addButton = useRef<HTMLButtonElement>(null);
  const [focusTarget, setFocusTarget] = useState<string>();

  useEffect(() => {
    if (!focusTarget) return;
    (focusTarget === 'add' ? addButton.current : document.getElementById(focusTarget))?.focus();
    setFocusTarget(undefined);
  }, [focusTarget]);

  const update = (key: string, patch: Partial<ServiceRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const makeEntry = (key: string) => onChange(rows.map((row) => ({ ...row, entry: row.key === key })));
  const add = () => {
    onChange([...rows, newServiceRow(rows.length === 0)]);
    setFocusTarget(fieldId(`services.${rows.length}.name`));
  };
  const remove = (key: string) => {
    const left = rows.filter((row) => row.key !== key);
    // Keep an entry service when the removed one was it.
    const first = left[0];
    onChange(first && !left.some((r) => r.entry) ? left.map((r) => ({ ...r, entry: r === first })) : left);
    setFocusTarget('add');
  };

  return (
    <fieldset className="fieldset stack-sm">
      <legend>Services</legend>
      <p className="field-hint">
        Each service is built from its folder of the repository. The entry service (usually the gateway) is
        the one served at the project's URL; the others are reachable inside the namespace by name.
      </p>
      {errors.services && (
        <p className="field-error" tabIndex={-1} data-error-summary>
          Services {errors.services}
        </p>
      )}
      <ul className="rows-editor">
        {rows.map((row, i) => (
          <li key={row.key}>
            <fieldset className="service-row">
              <legend className="visually-hidden">{`Service ${i + 1}${row.name ? `: ${row.name}` : ''}`}</legend>
              <TextField
                path={`services.${i}.name`}
                label="Service name"
                value={row.name}
                onChange={(name) => update(row.key, { name })}
                error={errors[`services.${i}.name`]}
                autoComplete="off"
                spellCheck={false}
                placeholder="gateway"
              />
              <TextField
                path={`services.${i}.path`}
                label="Folder"
                value={row.path}
                onChange={(path) => update(row.key, { path })}
                error={errors[`services.${i}.path`]}
                autoComplete="off"
                spellCheck={false}
                placeholder="services/gateway"
              />
              <TextField
                path={`services.${i}.port`}
                label="Port"
                inputMode="numeric"
                value={row.port}
                onChange={(port) => update(row.key, { port })}
                error={errors[`services.${i}.port`]}
              />
              <div className="row-control">
                <label className="field-inline">
                  <input
                    type="radio"
                    name="entry-service"
                    checked={row.entry}
                    onChange={() => makeEntry(row.key)}
                  />
                  <span>Entry</span>
                </label>
              </div>
              <div className="row-control">
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  onClick={() => remove(row.key)}
                  aria-label={`Remove service ${row.name || i + 1}`}
                >
                  Remove
                </button>
              </div>
            </fieldset>
          </li>
        ))}
      </ul>
      <div>
        <button ref={addButton} type="button" className="btn btn-sm" onClick={add}>
          Add service
        </button>
      </div>
    </fieldset>
  );
}
