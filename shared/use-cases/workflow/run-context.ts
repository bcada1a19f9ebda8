import type { PendingRelease, Release, Run } from '../../deploy.ts';
import type {
  DeployTurnRepository,
  GitOpsFile,
  GitOpsRepository,
  RunRepository,
  SyncApp,
  WorkflowInput,
} from '../../deploy-ports.ts';
import type { Project } from '../../domain.ts';
import { WorkflowError } from '../../errors.ts';
import { MANIFESTS_FILE, RELEASE_FILE, VALUES_FILE } from '../../manifests/names.ts';
import type { ProjectRepository } from '../../ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { WORKFLOW_ERRORS } from './contract.ts';

/** What the workflow tasks share: reading the run and its project, a release's files, the turn. */

export async function loadRun(runs: Pick<RunRepository, 'get'>, state: WorkflowInput): Promise<Run> {
  const run = await runs.get(state.projectId, state.runId);
  if (!run) throw new WorkflowError(WORKFLOW_ERRORS.runNotFound, `Run ${state.runId} does not exist.`);
  return run;
}

export async function projectOf(projects: Pick<ProjectRepository, 'get'>, run: Run): Promise<Project> {
  const project = await projects.get(run.workspaceId, run.projectId, { includeDeleted: true });
  if (!project || project.deletedAt)
    throw new WorkflowError(WORKFLOW_ERRORS.projectGone, `Project ${run.projectName} was deleted.`);
  return project;
}

/** The release a run makes has the run's id with another prefix: a retried task finds the same one. */
export const releaseIdFor = (runId: string) => `l${runId.slice(1)}`;

export const appOf = (p: Pick<PendingRelease, 'appName' | 'gitopsPath' | 'namespace'>): SyncApp => ({
  name: p.appName,
  path: p.gitopsPath,
  namespace: p.namespace,
});

/** Reads a release's three files from the commit that made it. */
export async function releaseFiles(
  gitops: Pick<GitOpsRepository, 'readFile'>,
  release: Release,
): Promise<GitOpsFile[]> {
  const files: GitOpsFile[] = [];
  for (const name of [RELEASE_FILE, VALUES_FILE, MANIFESTS_FILE]) {
    const path = `${release.gitopsPath}/${name}`;
    const content = await gitops.readFile(release.gitopsCommit, path);
    if (content === undefined) {
      throw new WorkflowError(
        WORKFLOW_ERRORS.releaseUnreadable,
        `${path} is missing at ${release.gitopsCommit.slice(0, 12)}.`,
      );
    }
    files.push({ path, content });
  }
  return files;
}

/** The environment's deploy turn passes on (a no-op unless this run holds it). */
export const finishTurn = (turns: Pick<DeployTurnRepository, 'releaseTurn'>, run: Run) =>
  turns.releaseTurn(run.projectId, run.environment, run.id);

/** Ends a queued run that a newer deploy of the same environment replaces. */
export async function supersede(journal: RunJournal, run: Run, by: string) {
  await journal.log(run, `Superseded by the newer deploy ${by}, which will run instead.`);
  await journal
    .change(run, {
      status: 'superseded',
      endStep: 'skipped',
      set: { failureReason: `Superseded by run ${by}.` },
    })
    .catch(() => undefined);
}
