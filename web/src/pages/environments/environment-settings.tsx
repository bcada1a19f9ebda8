import type { EnvironmentView, ProjectView } from '@shared/api.ts';
import type { EnvironmentTrigger } from '@shared/domain.ts';
import { ENVIRONMENTS, type Environment } from '@shared/naming.ts';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useEnvironments } from '../../api/environments-service.ts';
import { useProjects } from '../../api/projects-service.ts';
import { paths } from '../../app/paths.ts';
import { DomainCheckDetails } from '../../components/domain-check.tsx';
import { EnvVarEditor } from '../../components/env-var-editor.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { CheckboxField, ErrorSummary, SelectField, TextField } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';
import { Loading, Spinner } from '../../components/loading.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { useResource } from '../../components/use-resource.ts';
import {
  type EnvironmentFormState,
  environmentChanges,
  environmentForm,
  unshownErrors,
} from './environment-form-model.ts';

const isEnvironment = (value: string): value is Environment =>
  (ENVIRONMENTS as readonly string[]).includes(value);

/**
 * `/w/:workspaceId/projects/:projectId/environments/:environment`: one environment's own settings —
 * variable overrides, custom domain, replicas and autoscaling, how it auto-deploys, and approval.
 */
export function EnvironmentSettingsPage() {
  const { workspaceId = '', projectId = '', environment = '' } = useParams();
  const projects = useProjects();
  const environments = useEnvironments();
  const loaded = useResource(
    async (signal) => {
      if (!isEnvironment(environment)) throw new Error(`${environment} is not an environment Wharf knows.`);
      const [project, view] = await Promise.all([
        projects.get(workspaceId, projectId, signal),
        environments.get(workspaceId, projectId, environment, signal),
      ]);
      return { project, view };
    },
    [projects, environments, workspaceId, projectId, environment],
  );
  const [saved, setSaved] = useState(0);
  usePageTitle(loaded.data ? `${loaded.data.project.name}: ${environment} settings` : 'Environment settings');

  if (!loaded.data) {
    return loaded.error !== undefined ? (
      <ErrorMessage
        title="This environment could not be loaded"
        error={loaded.error}
        onRetry={loaded.reload}
      />
    ) : (
      <Loading label="Loading environment…" />
    );
  }
  const { project, view } = loaded.data;
  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <p className="small muted">
            <Link to={paths.project(workspaceId, project.id)}>{project.name}</Link> · environment
          </p>
          <h1>{view.name} settings</h1>
          <p className="muted small">
            Namespace <code>{view.namespace}</code> · <code>{view.host}</code>
          </p>
        </div>
      </div>
      <SavedNotice version={saved} workspaceId={workspaceId} projectId={project.id} />
      {/* A fresh form after each save: it starts from what the API stored. */}
      <EnvironmentForm
        key={saved}
        project={project}
        view={view}
        onSaved={(next) => {
          loaded.setData({ project, view: next });
          setSaved((n) => n + 1);
        }}
      />
    </div>
  );
}

/** After each save (`version` counts them), says so and takes focus, so the news is heard. */
function SavedNotice({
  version,
  workspaceId,
  projectId,
}: {
  version: number;
  workspaceId: string;
  projectId: string;
}) {
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (version > 0) notice.current?.focus();
  }, [version]);
  if (version === 0) return null;
  return (
    <div ref={notice} className="callout callout-success" role="status" tabIndex={-1}>
      Changes saved. They take effect with the environment's next deploy.{' '}
      <Link to={paths.project(workspaceId, projectId)}>Back to the project</Link>
    </div>
  );
}

const TRIGGERS: { value: EnvironmentTrigger; label: string }[] = [
  { value: 'push', label: 'On push to the branch' },
  { value: 'tag', label: 'On a tag matching a pattern' },
  { value: 'manual', label: 'Manually only' },
];

function EnvironmentForm({
  project,
  view,
  onSaved,
}: {
  project: ProjectView;
  view: EnvironmentView;
  onSaved(view: EnvironmentView): void;
}) {
  const environments = useEnvironments();
  const form = useRef<HTMLFormElement>(null);
  const [initial] = useState(() => environmentForm(view));
  const [state, setState] = useState(initial);
  const { busy, errors, failure, run } = useSubmit(form);
  const change = (patch: Partial<EnvironmentFormState>) => setState((s) => ({ ...s, ...patch }));
  const runsApp = project.type !== 'database';
  const branch = 'repository' in project ? project.repository.branch : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(
      () => environmentChanges(state, initial),
      async (changes) =>
        onSaved(await environments.update(project.workspaceId, project.id, view.name, changes)),
    );
  };

  const summary = [...unshownErrors(errors), ...(failure ? [failure] : [])];
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate aria-label={`Settings of ${view.name}`}>
      <section className="card stack" aria-labelledby="section-deploys">
        <h2 id="section-deploys">Deploys</h2>
        {branch !== undefined && (
          <div className="grid-2">
            <SelectField
              path="trigger"
              label="Auto-deploy"
              value={state.trigger}
              onChange={(trigger) => change({ trigger: trigger as EnvironmentTrigger })}
              options={TRIGGERS.map((t) =>
                t.value === 'push' ? { ...t, label: `On push to ${branch}` } : t,
              )}
              error={errors.trigger}
            />
            {state.trigger === 'tag' && (
              <TextField
                path="tagPattern"
                label="Tag pattern"
                value={state.tagPattern}
                onChange={(tagPattern) => change({ tagPattern })}
                error={errors.tagPattern}
                hint="* matches any characters except /, ? one character: v*.*.* matches v1.2.0."
                autoComplete="off"
                spellCheck={false}
                className="mono"
              />
            )}
          </div>
        )}
        <CheckboxField
          path="requiresApproval"
          label="Requires approval"
          checked={state.requiresApproval}
          onChange={(requiresApproval) => change({ requiresApproval })}
          error={errors.requiresApproval}
          hint="Deploys and promotions wait until an owner of the workspace approves them (24 hours at most)."
        />
      </section>

      {runsApp && (
        <section className="card stack" aria-labelledby="section-runtime">
          <h2 id="section-runtime">Address and scale</h2>
          <TextField
            path="domain"
            label="Custom domain (optional)"
            value={state.domain}
            onChange={(domain) => change({ domain })}
            error={errors.domain}
            hint="Empty: Wharf serves the environment at its platform address only. With a domain, the platform address keeps serving too; a pasted URL is reduced to its domain."
            autoComplete="off"
            spellCheck={false}
          />
          {view.domainCheck && <DomainCheckDetails check={view.domainCheck} platformUrl={view.platformUrl} />}
          <div className="grid-2">
            <TextField
              path="replicas"
              label="Replicas"
              inputMode="numeric"
              value={state.replicas}
              onChange={(replicas) => change({ replicas })}
              error={errors.replicas}
              hint="How many copies run, 1 to 20 (without autoscaling)."
            />
          </div>
          <CheckboxField
            path="autoscaling"
            label="Autoscaling"
            checked={state.autoscaling}
            onChange={(autoscaling) => change({ autoscaling })}
            error={errors.autoscaling}
            hint="Adds and removes copies by CPU use, between a minimum and a maximum."
          />
          {state.autoscaling && (
            <fieldset className="fieldset grid-2">
              <legend>Autoscaling limits</legend>
              <TextField
                path="autoscaling.minReplicas"
                label="Minimum replicas"
                inputMode="numeric"
                value={state.minReplicas}
                onChange={(minReplicas) => change({ minReplicas })}
                error={errors['autoscaling.minReplicas']}
              />
              <TextField
                path="autoscaling.maxReplicas"
                label="Maximum replicas"
                inputMode="numeric"
                value={state.maxReplicas}
                onChange={(maxReplicas) => change({ maxReplicas })}
                error={errors['autoscaling.maxReplicas']}
              />
              <TextField
                path="autoscaling.targetCpuPercent"
                label="Target CPU (%)"
                inputMode="numeric"
                value={state.targetCpuPercent}
                onChange={(targetCpuPercent) => change({ targetCpuPercent })}
                error={errors['autoscaling.targetCpuPercent']}
                hint="Average CPU use, in percent of what each copy requests, that autoscaling aims for."
              />
            </fieldset>
          )}
        </section>
      )}

      <section className="card stack" aria-labelledby="section-env">
        <h2 id="section-env">Variable overrides</h2>
        <p className="muted small">
          These replace the project's variables of the same name in {view.name} only; the project's other
          variables apply as they are.
        </p>
        <EnvVarEditor rows={state.env} onChange={(env) => change({ env })} errors={errors} />
      </section>

      <ErrorSummary messages={summary} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy && <Spinner />}
          {busy ? 'Saving…' : 'Save changes'}
        </button>
        <Link className="btn btn-ghost" to={paths.project(project.workspaceId, project.id)}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
