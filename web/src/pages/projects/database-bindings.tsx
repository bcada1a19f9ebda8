import type { ProjectView } from '@shared/api.ts';
import type { DatabaseBinding } from '@shared/domain.ts';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useProjects } from '../../api/projects-service.ts';
import { describeError } from '../../components/error-message.tsx';
import { SelectField, TextField } from '../../components/form/fields.tsx';
import { Spinner } from '../../components/loading.tsx';
import { useResource } from '../../components/use-resource.ts';

const DEFAULT_ENV = 'DATABASE_URL';

type Row = DatabaseBinding & { key: number };
let keys = 0;
const nextKey = () => ++keys;

/**
 * The databases of the workspace a monolith or microservices project is bound to: each environment of
 * the app gets the variable (by default `DATABASE_URL`) with that database's connection URL of the
 * same environment, from the secret store. Saved on its own (`PATCH { databases }`).
 */
export function DatabaseBindingsSection({
  workspaceId,
  project,
  onSaved,
}: {
  workspaceId: string;
  project: ProjectView;
  onSaved: (project: ProjectView) => void;
}) {
  const projects = useProjects();
  const candidates = useResource(
    (signal) => projects.list(workspaceId, { limit: 200 }, signal),
    [projects, workspaceId],
  );
  // Each row keeps a key of its own: removing one must not hand its inputs to the next.
  const [rows, setRows] = useState<Row[]>(() =>
    project.type === 'database' ? [] : (project.databases ?? []).map((b) => ({ ...b, key: nextKey() })),
  );
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<{ field?: string | undefined; message: string }>();
  const [saved, setSaved] = useState(false);
  if (project.type === 'database') return null;

  const databases = (candidates.data?.items ?? []).filter((p) => p.type === 'database');
  const options = [
    { value: '', label: 'Choose a database…' },
    ...databases.map((d) => ({ value: d.id, label: d.name })),
  ];
  const change = (index: number, patch: Partial<DatabaseBinding>) => {
    setRows((current) => current.map((row, i) => (i === index ? { ...row, ...patch } : row)));
    setSaved(false);
  };
  const fieldError = (path: string) => (error?.field === path ? error.message : undefined);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const missing = rows.findIndex((r) => !r.projectId);
    if (missing >= 0) {
      setError({ field: `databases.${missing}.projectId`, message: 'Choose a database, or remove the row.' });
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      // The row keys are the form's own: the API takes projectId and env only (strict schema).
      const databases = rows.map(({ projectId, env }) => ({ projectId, env }));
      const updated = await projects.update(workspaceId, project.id, {
        databases: databases.length > 0 ? databases : null,
      });
      setSaved(true);
      onSaved(updated);
    } catch (e) {
      setError({ field: e instanceof ApiError ? e.field : undefined, message: describeError(e) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="databases-title">
      <h2 id="databases-title">Databases</h2>
      <p className="small muted">
        Each environment gets the variable with the database's connection URL of the same environment. The
        value comes from the secret store; it is never in Git.
      </p>
      <form className="stack" onSubmit={save} noValidate aria-label="Databases">
        {rows.length === 0 && <p className="small">No database attached.</p>}
        {rows.map((row, index) => (
          <fieldset key={row.key} className="row">
            <legend className="visually-hidden">Database {index + 1}</legend>
            <SelectField
              path={`databases.${index}.projectId`}
              label="Database"
              value={row.projectId}
              options={options}
              error={fieldError(`databases.${index}.projectId`)}
              onChange={(projectId) => change(index, { projectId })}
            />
            <TextField
              path={`databases.${index}.env`}
              label="Variable"
              value={row.env}
              error={fieldError(`databases.${index}.env`)}
              onChange={(env) => change(index, { env })}
            />
            <button
              type="button"
              className="btn btn-sm btn-ghost"
              onClick={() => {
                setRows((current) => current.filter((_, i) => i !== index));
                setSaved(false);
              }}
            >
              Remove
            </button>
          </fieldset>
        ))}
        {error && !error.field?.startsWith('databases.') && (
          <p role="alert" className="small">
            {error.message}
          </p>
        )}
        {saved && (
          <p role="status" className="small">
            Databases saved. They take effect with the next deploy.
          </p>
        )}
        <div className="row">
          <button
            type="button"
            className="btn btn-sm"
            disabled={!candidates.data || databases.length === 0}
            onClick={() => {
              const used = new Set(rows.map((r) => r.env));
              setRows((current) => [
                ...current,
                {
                  key: nextKey(),
                  projectId: '',
                  env: used.has(DEFAULT_ENV) ? `${DEFAULT_ENV}_${current.length + 1}` : DEFAULT_ENV,
                },
              ]);
              setSaved(false);
            }}
          >
            Attach a database
          </button>
          {candidates.data && databases.length === 0 && (
            <span className="small muted">This workspace has no database project yet.</span>
          )}
          <button type="submit" className="btn btn-primary btn-sm" disabled={saving}>
            {saving && <Spinner />}
            {saving ? 'Saving…' : 'Save databases'}
          </button>
        </div>
      </form>
    </section>
  );
}
