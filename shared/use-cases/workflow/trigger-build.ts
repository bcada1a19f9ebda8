import type { BuildService, RunRepository } from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import type { ProjectRepository } from '../../ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { loadRun, projectOf } from './run-context.ts';

export interface TriggerBuildPorts {
  runs: RunRepository;
  projects: ProjectRepository;
  build: Pick<BuildService, 'start'>;
  journal: RunJournal;
  /** Where images go, without tag: e.g. harbor.example.com/wharf. */
  platform: { imageRegistry: string };
}

/** TriggerBuild: hand the source to the build service (idempotent per run: a retry finds the same build). */
export function makeTriggerBuild({ runs, projects, build, journal, platform }: TriggerBuildPorts) {
  const triggerBuild: DeployTaskFn<'TriggerBuild'> = async (state) => {
    const run = await loadRun(runs, state);
    const project = await projectOf(projects, run);
    if (project.type === 'database' || !run.source)
      throw new WorkflowError(WORKFLOW_ERRORS.nothingToBuild, 'This project has no source to build.');
    const { buildId } = await build.start({
      runId: run.id,
      workspaceId: run.workspaceId,
      projectId: run.projectId,
      projectName: run.projectName,
      environment: run.environment,
      projectType: project.type,
      repository: { url: run.source.repositoryUrl, branch: run.source.branch },
      commit: run.source.commit,
      imageRepository: `${platform.imageRegistry}/${run.workspaceId}/${run.projectName}`,
      ...(project.type === 'microservices'
        ? { services: project.services.map(({ name, path, port }) => ({ name, path, port })) }
        : { port: project.port }),
    });
    if (run.buildId !== buildId) {
      await journal.change(run, { set: { buildId } });
      await journal.log(
        run,
        `▶ Build ${buildId} started for ${run.source.repositoryUrl} (${run.source.branch})`,
      );
    }
    return { buildId, offset: null, polls: 0, state: 'running' };
  };
  return triggerBuild;
}
