import type { ProjectView } from '@shared/api.ts';
import { projectSchemas } from '@shared/schemas/project.ts';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useDeployments } from '../../api/deployments-service.ts';
import { type ProjectsService, useProjects } from '../../api/projects-service.ts';
import { NODE_SAMPLE, sampleProjectName, useSamples } from '../../api/samples-service.ts';
import { paths } from '../../app/paths.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Spinner } from '../../components/loading.tsx';

/** How many names (`node-web`, `node-web-2`, …) to try before asking the user to clean up. */
const NAME_TRIES = 20;

/** A problem this flow explains itself (not an API answer): shown as it is. */
class SampleProblem extends Error {}

/** A create refused only because the name (or the platform host made from it) is taken. */
const nameTaken = (error: unknown) =>
  error instanceof ApiError &&
  (error.code === 'project.name_taken' || (error.code === 'project.host_taken' && error.field === 'name'));

/** Creates the sample as a monolith under the first free name of `node-web`, `node-web-2`, … */
async function createSample(
  projects: ProjectsService,
  workspaceId: string,
  url: string,
): Promise<ProjectView> {
  for (let n = 1; n <= NAME_TRIES; n++) {
    const name = sampleProjectName(NODE_SAMPLE.name, n);
    const input = projectSchemas('local').create.parse({
      name,
      type: 'monolith',
      repository: { url, branch: 'main' },
      port: NODE_SAMPLE.port,
      healthCheckPath: NODE_SAMPLE.healthCheckPath,
    });
    try {
      return await projects.create(workspaceId, input);
    } catch (error) {
      if (!nameTaken(error)) throw error;
    }
  }
  throw new SampleProblem(
    `The names ${NODE_SAMPLE.name} to ${NODE_SAMPLE.name}-${NAME_TRIES} are all taken in this workspace; delete a sample project and try again.`,
  );
}

/**
 * "Deploy a sample" (local platform): one click creates the Node.js sample project, starts its deploy
 * into its first environment, and opens the run, so a new user watches a build within a second.
 */
export function DeploySampleButton({
  workspaceId,
  primary = false,
}: {
  workspaceId: string;
  primary?: boolean;
}) {
  const samples = useSamples();
  const projects = useProjects();
  const deployments = useDeployments();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // A project created before its deploy failed: a retry deploys it rather than making another copy.
  const created = useRef<ProjectView>(undefined);

  const sampleUrl = async () => {
    const sample = (await samples.list()).items.find((s) => s.name === NODE_SAMPLE.name);
    if (!sample) {
      throw new SampleProblem(
        `This platform serves no ${NODE_SAMPLE.name} sample; create a project from your own repository instead.`,
      );
    }
    return sample.url;
  };

  const deploy = async () => {
    setBusy(true);
    setError(undefined);
    try {
      created.current ??= await createSample(projects, workspaceId, await sampleUrl());
      const project = created.current;
      const run = await deployments.deploy(workspaceId, project.id, {
        environment: project.environments[0] ?? 'production',
      });
      navigate(paths.run(workspaceId, project.id, run.id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className={`btn${primary ? ' btn-primary' : ''}`}
        onClick={deploy}
        disabled={busy}
      >
        {busy && <Spinner />}
        {busy ? 'Deploying the sample…' : 'Deploy a sample'}
      </button>
      {error instanceof SampleProblem ? (
        <p className="callout callout-error" role="alert">
          {error.message}
        </p>
      ) : (
        error !== undefined && <ErrorMessage title="The sample could not be deployed" error={error} />
      )}
    </>
  );
}
