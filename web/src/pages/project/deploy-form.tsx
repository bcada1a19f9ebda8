import type { ProjectView } from '@shared/api.ts';
import { deployRequestSchema } from '@shared/schemas/deployment.ts';
import { type FormEvent, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useDeployments } from '../../api/deployments-service.ts';
import { paths } from '../../app/paths.ts';
import { describeError } from '../../components/error-message.tsx';
import {
  apiFieldError,
  type FieldErrors,
  useFocusFirstError,
  validate,
} from '../../components/form/field-errors.ts';
import { ErrorSummary, SelectField, TextField } from '../../components/form/fields.tsx';

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
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const focusFirstError = useFocusFirstError(formRef, errors);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const input = {
      environment,
      ...(hasSource && branch.trim() ? { branch: branch.trim() } : {}),
      ...(hasSource && commit.trim() ? { commit: commit.trim() } : {}),
    };
    const checked = validate(deployRequestSchema, input);
    if (checked.errors) {
      setErrors(checked.errors);
      focusFirstError();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const run = await deployments.deploy(project.workspaceId, project.id, checked.data);
      navigate(paths.run(project.workspaceId, project.id, run.id));
    } catch (error) {
      setErrors(apiFieldError(error) ?? { body: describeError(error) });
      focusFirstError();
      setBusy(false);
    }
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
      <ErrorSummary messages={Object.values(other)} />
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
