import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useConfig } from '../../api/context.tsx';
import { useProjects } from '../../api/projects-service.ts';
import { freeSampleName, NODE_SAMPLE, useSamples } from '../../api/samples-service.ts';
import { paths } from '../../app/paths.ts';
import { describeError } from '../../components/error-message.tsx';
import { ErrorSummary } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';
import { Loading, Spinner } from '../../components/loading.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { ProjectFields } from './project-fields.tsx';
import {
  emptyProjectForm,
  type ProjectFormState,
  unshownErrors,
  validateCreate,
} from './project-form-model.ts';

/** `/w/:workspaceId/projects/new` (`?sample=node-web` prefills a local sample): create, then open it. */
export function ProjectCreatePage() {
  const { workspaceId = '' } = useParams();
  const [search] = useSearchParams();
  const config = useConfig();
  const projects = useProjects();
  const navigate = useNavigate();
  const form = useRef<HTMLFormElement>(null);
  const [state, setState] = useState<ProjectFormState>(() => emptyProjectForm());
  const { busy: saving, errors, failure, run } = useSubmit(form);
  const sample = useSamplePrefill(workspaceId, search.get('sample'), setState);
  usePageTitle('New project');

  const change = (patch: Partial<ProjectFormState>) => setState((s) => ({ ...s, ...patch }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(
      () => validateCreate(config.mode, state),
      async (input) => {
        const project = await projects.create(workspaceId, input);
        navigate(paths.project(workspaceId, project.id));
      },
    );
  };

  const summary = [...unshownErrors(errors), ...(failure ? [failure] : [])];
  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <h1>New project</h1>
          <p className="muted">Tell Wharf what to build and how to run it; you deploy it on the next page.</p>
        </div>
      </div>
      {sample.status === 'loading' && <Loading label="Loading the sample…" />}
      {sample.message && (
        <p
          className={`callout ${sample.status === 'failed' ? 'callout-error' : 'callout-info'}`}
          role="status"
        >
          {sample.message}
        </p>
      )}
      <form ref={form} className="stack" onSubmit={submit} noValidate aria-label="New project">
        <ProjectFields state={state} onChange={change} errors={errors} />
        <ErrorSummary messages={summary} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={saving}>
            {saving && <Spinner />}
            {saving ? 'Creating…' : 'Create project'}
          </button>
          <Link className="btn btn-ghost" to={paths.workspace(workspaceId)}>
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}

/** Prefills the form with a local sample repository (the empty project list's "Deploy a sample"). */
function useSamplePrefill(
  workspaceId: string,
  name: string | null,
  setState: (state: ProjectFormState) => void,
) {
  const config = useConfig();
  const samples = useSamples();
  const projects = useProjects();
  const [result, setResult] = useState<{ status: 'idle' | 'loading' | 'done' | 'failed'; message?: string }>({
    status: 'idle',
  });
  const apply = useRef(setState);
  apply.current = setState;

  useEffect(() => {
    if (!name || config.mode !== 'local') return;
    const controller = new AbortController();
    setResult({ status: 'loading' });
    const taken = (sample: string) =>
      projects
        .list(workspaceId, { q: sample, limit: 200 }, controller.signal)
        .then((page) => new Set(page.items.map((p) => p.name)))
        // Without the list the sample's own name is proposed; the create answer says if it is taken.
        .catch(() => new Set<string>());
    samples
      .list(controller.signal)
      .then(async ({ items }) => {
        const found = items.find((s) => s.name === name);
        return found && { sample: found, projectName: freeSampleName(found.name, await taken(found.name)) };
      })
      .then(
        (found) => {
          if (!found) {
            setResult({
              status: 'failed',
              message: `There is no sample named ${name}; fill in the form yourself.`,
            });
            return;
          }
          const { sample, projectName } = found;
          const isNode = sample.name === NODE_SAMPLE.name;
          apply.current({
            ...emptyProjectForm('monolith'),
            // The sample's name, or the next free one when a project has it already (`node-web-2`).
            name: projectName,
            repositoryUrl: sample.url,
            branch: 'main',
            port: isNode ? String(NODE_SAMPLE.port) : '',
            healthCheckPath: isNode ? NODE_SAMPLE.healthCheckPath : '/',
          });
          setResult({
            status: 'done',
            message: `Prefilled with the ${sample.name} sample${sample.description ? `: ${sample.description.replace(/\.$/, '')}` : ''}. Create it, then press Deploy on its page.`,
          });
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setResult({
            status: 'failed',
            message: `The samples could not be loaded. ${describeError(error)}`,
          });
        },
      );
    return () => controller.abort();
  }, [name, config.mode, samples, projects, workspaceId]);
  return result;
}
