import type { ProjectView } from '@shared/api.ts';
import { deployRequestSchema } from '@shared/schemas/deployment.ts';
import { type FormEvent, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useDeployments } from '../../api/deployments-service.ts';
import { paths } from '../../app/paths.ts';
import { validate } from '../../components/form/field-errors.ts';
import { ErrorSummary, SelectField, TextField } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';

/**
 * Deploy: a branch (the project's by default) and optionally an exact commit, checked with the API's
 * own schema before sending. On 202 the run page takes over.
 */
export function DeployForm({ project }: { project: ProjectView }) {
  const deployments = useDeployments();
  const navigate = useNavigate();
  const formRef = useRef<HTMLFormElement>(null);
  const hasSource = 'repository' in project;
  const [environment, setEnvironment] = useState<string>(project.environments[0] ?? 'production');
  const [branch, setBranch] = useState('');
  const [commit, setCommit] = useState('');
  // A server error that names no field lands in the summary and focus follows it there.
  const { busy, errors, failure, run } = useSubmit(formRef, { focusFailure: true });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      environment,
      ...(hasSource && branch.trim() ? { branch: branch.trim() } : {}),
      ...(hasSource && commit.trim() ? { commit: commit.trim() } : {}),
    };
    void run(
      () => validate(deployRequestSchema, input),
      async (request) => {
        const queued = await deployments.deploy(project.workspaceId, project.id, request);
        navigate(paths.run(project.workspaceId, project.id, queued.id));
      },
    );
  };

  const { environment: envError, branch: branchError, commit: commitError, ...other } = errors;
  return (
    <form
      ref={formRef}
      className="card stack deploy-form"
      onSubmit={submit}
      noValidate
      aria-labelledby="deploy-title"
    >
      <h2 id="deploy-title">Deploy</h2>
      <div className="deploy-fields">
        {project.environments.length > 1 && (
          <SelectField
            path="environment"
            label="Environment"
            value={environment}
            onChange={setEnvironment}
            options={project.environments.map((e) => ({ value: e, label: e }))}
            error={envError}
          />
        )}
        {hasSource && (
          <>
            <TextField
              path="branch"
              label="Branch"
              value={branch}
              onChange={setBranch}
              placeholder={project.repository.branch}
              hint={`Empty: ${project.repository.branch}`}
              error={branchError}
              autoComplete="off"
              spellCheck={false}
            />
            <TextField
              path="commit"
              label="Commit"
              value={commit}
              onChange={setCommit}
              placeholder="latest on the branch"
              hint="Optional: a commit id (7 to 40 hex characters) to deploy exactly that commit"
              error={commitError}
              autoComplete="off"
              spellCheck={false}
              className="mono"
            />
          </>
        )}
      </div>
      <ErrorSummary messages={[...Object.values(other), ...(failure ? [failure] : [])]} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? 'Starting deploy…' : `Deploy to ${environment}`}
        </button>
        {!hasSource && <span className="muted">Applies the database's current settings.</span>}
      </div>
    </form>
  );
}
