import type { ReleasePage, RunLogPage } from '../api.ts';
import { knownCommit } from '../commit-info.ts';
import type { CommitInfo, Release, Run, RunTrigger } from '../deploy.ts';
import type {
  DeployTurnRepository,
  ReleaseRepository,
  RunLogStore,
  RunRepository,
  WorkflowEngine,
} from '../deploy-ports.ts';
import type { Identity, Project } from '../domain.ts';
import { environmentConfig } from '../environments.ts';
import { conflict, invalid, notFound, unavailable } from '../errors.ts';
import type { Environment } from '../naming.ts';
import type { Clock, IdGenerator, ProjectRepository, WorkspaceRepository } from '../ports.ts';
import type { DeployRequest, RollbackRequest, RunsQuery } from '../schemas/deployment.ts';
import { requireMember } from './access.ts';
import type { RunJournal } from './run-journal.ts';

export interface DeploymentDeps {
  workspaces: WorkspaceRepository;
  projects: ProjectRepository;
  runs: RunRepository;
  turns: DeployTurnRepository;
  releases: ReleaseRepository;
  logs: RunLogStore;
  workflow: WorkflowEngine;
  journal: RunJournal;
  ids: IdGenerator;
  clock: Clock;
}

/**
 * What starting a run needs: the run store, the journal, the workflow engine, ids and time, and the
 * projects to note the start on (the project list orders by latest activity).
 */
export type StartRunDeps = Pick<DeploymentDeps, 'runs' | 'journal' | 'workflow' | 'ids' | 'clock'> & {
  projects: Pick<ProjectRepository, 'recordActivity'>;
};

const runNotFound = (runId: string) => notFound('run.not_found', `No run ${runId} in this project.`);

/** The caller's project, checked against their membership; deleted projects only for history reads. */
export async function projectFor(
  deps: Pick<DeploymentDeps, 'workspaces' | 'projects'>,
  identity: Identity,
  workspaceId: string,
  projectId: string,
  options: { includeDeleted?: boolean } = {},
) {
  await requireMember(deps.workspaces, workspaceId, identity.userId);
  const project = await deps.projects.get(workspaceId, projectId, options);
  if (!project) throw notFound('project.not_found', `No project ${projectId} in this workspace.`);
  return project;
}

/**
 * Creates the run and starts its workflow execution (named after the run). A run into an environment
 * that requires approval starts by waiting for an owner (the state machine's AwaitApproval).
 */
export async function startRun(deps: StartRunDeps, run: Run, project: Project): Promise<Run> {
  await deps.runs.create(run);
  // The list's order is not worth failing a deploy for: a missed note only leaves the project lower.
  await deps.projects.recordActivity(run.workspaceId, run.projectId, run.createdAt).catch(() => undefined);
  await deps.journal.log(run, `Run ${run.id} queued: ${describe(run)}`);
  try {
    const { executionArn } = await deps.workflow.start({
      runId: run.id,
      workspaceId: run.workspaceId,
      projectId: run.projectId,
      environment: run.environment,
      kind: run.kind,
      releaseId: run.targetReleaseId,
      commit: run.source?.commit,
      requiresApproval: environmentConfig(project, run.environment).requiresApproval,
    });
    return await deps.journal.change(run, { set: { executionArn } });
  } catch (error) {
    await deps.journal
      .change(run, {
        status: 'failed',
        set: { failureReason: 'The deploy workflow could not be started.', hint: 'Try again in a minute.' },
      })
      .catch(() => undefined);
    // The SDK's message (ARNs, role names) is for the log: it travels as the cause, not in the message.
    throw unavailable('workflow.unavailable', 'The deploy workflow could not be started.', error);
  }
}

function describe(run: Run): string {
  if (run.kind === 'rollback') {
    const why = run.reason ? ` (reason: ${run.reason})` : '';
    // The release by its number and commit, as the user chose it: never its internal id.
    const to = run.target
      ? `release ${run.target.releaseNumber}${run.target.commit ? ` (${commitText(run.target.commit)})` : ''}`
      : 'an earlier release';
    return `roll back ${run.projectName} (${run.environment}) to ${to}${why}`;
  }
  if (run.kind === 'promote') {
    const from = run.promotedFrom;
    return from
      ? `promote ${run.projectName} release ${from.number} from ${from.environment} to ${run.environment}, without a build`
      : `promote ${run.projectName} to ${run.environment}, without a build`;
  }
  const at = run.source
    ? ` from ${run.source.branch}${run.source.commit ? `@${run.source.commit.slice(0, 12)}` : ''}`
    : '';
  const what = run.commit?.message ? ` — ${commitText(run.commit)}` : '';
  return `deploy ${run.projectName} (${run.environment})${at}${what}`;
}

/** `6c6059f 'Fix header' by alice`: how the log names a commit. */
function commitText(commit: CommitInfo): string {
  const message = commit.message ? ` '${commit.message}'` : '';
  return `${commit.sha.slice(0, 7)}${message}${commit.author ? ` by ${commit.author}` : ''}`;
}

/**
 * A rollback's or promotion's release, as its title names it ("Rollback to #1 (6c6059f 'Fix header')"),
 * and the commit the run deploys: that release's.
 */
export function targetOf(release: Release): Pick<Run, 'target' | 'commit'> {
  const commit = knownCommit(release.commit, release.sourceCommit);
  return {
    target: {
      releaseNumber: release.number,
      environment: release.environment,
      ...(commit ? { commit } : {}),
    },
    ...(commit ? { commit } : {}),
  };
}

export function newRun(
  deps: Pick<DeploymentDeps, 'ids' | 'clock'>,
  project: Project,
  environment: Environment,
  fields: Pick<Run, 'kind' | 'requestedBy' | 'trigger'> & Partial<Run>,
): Run {
  const now = deps.clock.now().toISOString();
  return {
    id: deps.ids.runId(),
    workspaceId: project.workspaceId,
    projectId: project.id,
    projectName: project.name,
    environment,
    status: 'queued',
    steps: [{ name: 'queue', status: 'running', startedAt: now }],
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}

/** Starts a deploy of a project (from the API, or from a push webhook with `trigger: 'webhook'`). */
export async function deployProject(
  deps: StartRunDeps,
  project: Project,
  request: DeployRequest,
  by: { userId: string; trigger: RunTrigger },
  /** What a push said of the commit (message, author); the build fills it in otherwise. */
  commit?: CommitInfo,
): Promise<Run> {
  if (project.deletedAt) throw notFound('project.not_found', `No project ${project.id} in this workspace.`);
  if (!project.environments.includes(request.environment)) {
    throw invalid(
      'deployment.unknown_environment',
      `environment must be one of the project's environments (${project.environments.join(', ')})`,
      'environment',
    );
  }
  if (project.type === 'database' && (request.branch || request.commit)) {
    throw invalid(
      'deployment.no_source',
      'branch and commit do not apply to a database project',
      request.branch ? 'branch' : 'commit',
    );
  }
  const source =
    'repository' in project
      ? {
          repositoryUrl: project.repository.url,
          branch: request.branch ?? project.repository.branch,
          commit: request.commit,
        }
      : undefined;
  return startRun(
    deps,
    newRun(deps, project, request.environment, {
      kind: 'deploy',
      requestedBy: by.userId,
      trigger: by.trigger,
      source,
      ...(commit ? { commit } : {}),
    }),
    project,
  );
}

export function makeRequestDeploy(deps: StartRunDeps & Pick<DeploymentDeps, 'workspaces' | 'projects'>) {
  return async (identity: Identity, workspaceId: string, projectId: string, request: DeployRequest) => {
    const project = await projectFor(deps, identity, workspaceId, projectId);
    return deployProject(deps, project, request, { userId: identity.userId, trigger: 'user' });
  };
}

export function makeRequestRollback(deps: DeploymentDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    releaseId: string,
    request: RollbackRequest = {},
  ) => {
    const project = await projectFor(deps, identity, workspaceId, projectId);
    const release = await deps.releases.getRelease(projectId, releaseId);
    if (!release) throw notFound('release.not_found', `No release ${releaseId} of this project.`);
    const env = await deps.turns.getEnvironment(projectId, release.environment);
    if (env.currentReleaseId === release.id) {
      throw conflict(
        'release.already_live',
        `Release ${release.number} is already the live release of ${release.environment}.`,
      );
    }
    return startRun(
      deps,
      newRun(deps, project, release.environment, {
        kind: 'rollback',
        requestedBy: identity.userId,
        trigger: 'user',
        targetReleaseId: release.id,
        ...targetOf(release),
        ...(request.reason ? { reason: request.reason } : {}),
      }),
      project,
    );
  };
}

export function makeListRuns(deps: Pick<DeploymentDeps, 'workspaces' | 'projects' | 'runs'>) {
  return async (identity: Identity, workspaceId: string, projectId: string, query: RunsQuery) => {
    await projectFor(deps, identity, workspaceId, projectId, { includeDeleted: true });
    const { limit, cursor, status, environment, trigger } = query;
    return deps.runs.list(projectId, { limit, cursor }, { status, environment, trigger });
  };
}

export function makeGetRun(deps: Pick<DeploymentDeps, 'workspaces' | 'projects' | 'runs'>) {
  return async (identity: Identity, workspaceId: string, projectId: string, runId: string) => {
    await projectFor(deps, identity, workspaceId, projectId, { includeDeleted: true });
    const run = await deps.runs.get(projectId, runId);
    if (!run) throw runNotFound(runId);
    return run;
  };
}

export function makeGetRunLogs(deps: Pick<DeploymentDeps, 'workspaces' | 'projects' | 'runs' | 'logs'>) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    runId: string,
    page: { after: number; limit: number },
  ): Promise<RunLogPage> => {
    await projectFor(deps, identity, workspaceId, projectId, { includeDeleted: true });
    const run = await deps.runs.get(projectId, runId);
    if (!run) throw runNotFound(runId);
    const { lines, more } = await deps.logs.list(runId, page.after, page.limit);
    return { runId, status: run.status, lines, nextAfter: lines.at(-1)?.seq ?? page.after, more };
  };
}

export function makeListReleases(
  deps: Pick<DeploymentDeps, 'workspaces' | 'projects' | 'releases' | 'turns'>,
) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    query: { environment: Environment; limit: number; cursor?: string | undefined },
  ): Promise<ReleasePage> => {
    await projectFor(deps, identity, workspaceId, projectId, { includeDeleted: true });
    const [page, env] = await Promise.all([
      deps.releases.listReleases(projectId, query.environment, query),
      deps.turns.getEnvironment(projectId, query.environment),
    ]);
    return { ...page, currentReleaseId: env.currentReleaseId, outOfSync: env.outOfSync };
  };
}
