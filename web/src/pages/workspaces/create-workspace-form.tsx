import { createWorkspaceSchema, WORKSPACE_NAME_MAX } from '@shared/schemas/workspace.ts';
import { type FormEvent, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useWorkspaces } from '../../api/workspaces-service.ts';
import { paths } from '../../app/paths.ts';
import { validate } from '../../components/form/field-errors.ts';
import { ErrorSummary, TextField } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';
import { Spinner } from '../../components/loading.tsx';
import { useMe } from '../../components/me-context.tsx';

/** Creates a workspace (the caller becomes its owner) and opens it. */
export function CreateWorkspaceForm({ idPrefix = 'new-workspace' }: { idPrefix?: string }) {
  const workspaces = useWorkspaces();
  const { reload } = useMe();
  const navigate = useNavigate();
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const { busy: saving, errors, failure, run } = useSubmit(form);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(
      () => validate(createWorkspaceSchema, { name: name.trim() }),
      async (input) => {
        const workspace = await workspaces.create(input);
        reload();
        setName('');
        navigate(paths.workspace(workspace.id));
      },
    );
  };

  return (
    <form ref={form} className="stack-sm" onSubmit={submit} noValidate aria-label="Create a workspace">
      <TextField
        path={`${idPrefix}.name`}
        label="Workspace name"
        value={name}
        onChange={setName}
        error={errors.name}
        hint={`Lowercase letters, digits and "-", up to ${WORKSPACE_NAME_MAX} characters. Its Kubernetes namespace is derived from it.`}
        autoComplete="off"
        spellCheck={false}
        maxLength={WORKSPACE_NAME_MAX + 10}
      />
      <ErrorSummary messages={failure ? [failure] : []} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving && <Spinner />}
          Create workspace
        </button>
      </div>
    </form>
  );
}
