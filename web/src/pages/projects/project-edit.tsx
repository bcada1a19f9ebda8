import type { ProjectView } from '@shared/api.ts';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { useConfig } from '../../api/context.tsx';
import { useProjects } from '../../api/projects-service.ts';
import { paths } from '../../app/paths.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { ErrorSummary } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';
import { Loading, Spinner } from '../../components/loading.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { useResource } from '../../components/use-resource.ts';
import { DatabaseBindingsSection } from './database-bindings.tsx';
import { DeleteProjectSection } from './delete-project-section.tsx';
import { ProjectFields } from './project-fields.tsx';
import {
  type ProjectFormState,
  projectFormFromProject,
  unshownErrors,
  validateUpdate,
} from './project-form-model.ts';

const TYPE_LABELS = { monolith: 'Monolith', database: 'Database', microservices: 'Microservices' } as const;

/** `/w/:workspaceId/projects/:projectId/edit`: change a project's settings, or delete it. */
export function ProjectEditPage() {
  const { workspaceId = '', projectId = '' } = useParams();
  const projects = useProjects();
  const project = useResource(
    (signal) => projects.get(workspaceId, projectId, signal),
    [projects, workspaceId, projectId],
  );
  const [saved, setSaved] = useState(false);
  usePageTitle(project.data ? `Edit ${project.data.name}` : 'Edit project');

  if (!project.data) {
    return project.error !== undefined ? (
      <ErrorMessage title="This project could not be loaded" error={project.error} onRetry={project.reload} />
    ) : (
      <Loading label="Loading project…" />
    );
  }
  const p = project.data;
  return (
    <div className="stack-lg">
      <FocusLinkedField />
      <div className="page-header">
        <div>
          <p className="small muted">
            <Link to={paths.project(workspaceId, p.id)}>{p.name}</Link> · {TYPE_LABELS[p.type]}
          </p>
          <h1>Edit {p.name}</h1>
          <p className="muted small">The name and type are fixed once a project is created.</p>
        </div>
      </div>
      <SavedNotice show={saved} workspaceId={workspaceId} projectId={p.id} />
      {/* A fresh form per revision: after a save it starts from what the API stored. */}
      <EditForm
        key={p.revision}
        project={p}
        workspaceId={workspaceId}
        onSaved={(updated) => {
          project.setData(updated);
          setSaved(true);
        }}
        onEdit={() => setSaved(false)}
      />
      <DatabaseBindingsSection workspaceId={workspaceId} project={p} onSaved={project.setData} />
      <DeleteProjectSection workspaceId={workspaceId} project={p} />
    </div>
  );
}

/**
 * A link to one field (`…/edit#field-repository-url`, from a failed run's hint) lands on it: the
 * browser can't scroll there itself, as the form renders only once the project has loaded.
 */
function FocusLinkedField() {
  const { hash } = useLocation();
  useEffect(() => {
    const target = hash.startsWith('#field-') ? document.getElementById(hash.slice(1)) : null;
    if (target instanceof HTMLElement) {
      target.scrollIntoView?.({ block: 'center' });
      target.focus();
    }
  }, [hash]);
  return null;
}

function SavedNotice({
  show,
  workspaceId,
  projectId,
}: {
  show: boolean;
  workspaceId: string;
  projectId: string;
}) {
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (show) notice.current?.focus();
  }, [show]);
  if (!show) return null;
  return (
    <div ref={notice} className="callout callout-success" role="status" tabIndex={-1}>
      Changes saved. They take effect with the next deploy.{' '}
      <Link to={paths.project(workspaceId, projectId)}>Back to the project</Link>
    </div>
  );
}

function EditForm({
  project,
  workspaceId,
  onSaved,
  onEdit,
}: {
  project: ProjectView;
  workspaceId: string;
  onSaved: (project: ProjectView) => void;
  onEdit: () => void;
}) {
  const config = useConfig();
  const projects = useProjects();
  const form = useRef<HTMLFormElement>(null);
  const [initial] = useState(() => projectFormFromProject(project));
  const [state, setState] = useState(initial);
  const { busy: saving, errors, failure, run } = useSubmit(form);

  const change = (patch: Partial<ProjectFormState>) => {
    setState((s) => ({ ...s, ...patch }));
    onEdit();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(
      () => {
        const checked = validateUpdate(config.mode, state, initial);
        return checked.data && Object.keys(checked.data).length === 0
          ? { failure: 'Nothing changed, so there is nothing to save.' }
          : checked;
      },
      async (changes) => onSaved(await projects.update(workspaceId, project.id, changes)),
    );
  };

  const summary = [...unshownErrors(errors), ...(failure ? [failure] : [])];
  return (
    <form
      ref={form}
      className="stack"
      onSubmit={submit}
      noValidate
      aria-label={`Settings of ${project.name}`}
    >
      <ProjectFields state={state} onChange={change} errors={errors} editing />
      <ErrorSummary messages={summary} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving && <Spinner />}
          {saving ? 'Saving…' : 'Save changes'}
        </button>
        <Link className="btn btn-ghost" to={paths.project(workspaceId, project.id)}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
