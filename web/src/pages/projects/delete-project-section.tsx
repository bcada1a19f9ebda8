import type { ProjectView } from '@shared/api.ts';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useProjects } from '../../api/projects-service.ts';
import { paths } from '../../app/paths.ts';
import { ErrorSummary, TextField } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';
import { Spinner } from '../../components/loading.tsx';

/**
 * Deleting asks the user to type the project's name (the API requires it as `?confirm=`), so a slip of
 * the mouse never deletes.
 */
export function DeleteProjectSection({
  workspaceId,
  project,
}: {
  workspaceId: string;
  project: ProjectView;
}) {
  const projects = useProjects();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const openButton = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  const form = useRef<HTMLFormElement>(null);
  // The typed name is the only field and the API's `confirm` error is about it: errors go to the summary.
  const { busy: deleting, failure, reset, run } = useSubmit(form, { fieldErrors: false });
  const matches = typed === project.name;

  useEffect(() => {
    if (open) document.getElementById('field-delete-confirm')?.focus();
    else if (wasOpen.current) openButton.current?.focus();
    wasOpen.current = open;
  }, [open]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!matches) return;
    void run(
      () => ({ data: typed }),
      async (confirm) => {
        await projects.remove(workspaceId, project.id, confirm);
        navigate(paths.workspace(workspaceId), { replace: true });
      },
    );
  };

  return (
    <section className="card card-danger stack" aria-labelledby="delete-project">
      <div className="stack-sm">
        <h2 id="delete-project">Delete this project</h2>
        <p className="muted">
          Wharf removes its folders from the GitOps repository in one commit, so what it runs stops, and
          deletes its secrets. Its runs and releases stay readable. This cannot be undone.
        </p>
      </div>
      {!open ? (
        <div>
          <button ref={openButton} type="button" className="btn btn-danger" onClick={() => setOpen(true)}>
            Delete project…
          </button>
        </div>
      ) : (
        <form
          ref={form}
          className="stack-sm"
          onSubmit={submit}
          noValidate
          aria-label={`Delete ${project.name}`}
        >
          <TextField
            path="delete.confirm"
            label={`Type ${project.name} to confirm`}
            value={typed}
            onChange={setTyped}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
          />
          <ErrorSummary messages={failure ? [failure] : []} />
          <div className="form-actions">
            <button type="submit" className="btn btn-danger" disabled={!matches || deleting}>
              {deleting && <Spinner />}
              {deleting ? 'Deleting…' : `Delete ${project.name}`}
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setOpen(false);
                setTyped('');
                reset();
              }}
              disabled={deleting}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
