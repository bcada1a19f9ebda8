import type { ImageRef, Release, Run, RunStatus, RunStep, StepName } from '../deploy.ts';
import type { Project, User, Workspace } from '../domain.ts';
import { renderRelease, renderWorkspaceBootstrap } from '../manifests/index.ts';
import { database, microservices, monolith, platform, workspace } from '../manifests/testing/fixtures.ts';
import type { Clock } from '../ports.ts';
import { makeRunJournal } from '../use-cases/run-journal.ts';
import type { DeployState } from '../use-cases/workflow/contract.ts';
import { releaseIdFor } from '../use-cases/workflow/run-context.ts';
import {
  InMemoryProjects,
  InMemoryStore,
  InMemoryUsers,
  InMemoryWorkspaces,
  sequentialIds,
} from './in-memory.ts';
import type { FakeGitOps } from './in-memory-deploy.ts';
import { InMemoryRunLogs, InMemoryRuns, RecordingPublisher } from './in-memory-deploy.ts';
import { TEST_BOOTSTRAP } from './workflow-tasks.ts';

export { platform };

const STEP_PATH: StepName[] = ['queue', 'build', 'push', 'gitops', 'sync'];
/** How many steps of STEP_PATH a deploy in this status has begun (the last one still running). */
const STEPS_TO: Partial<Record<RunStatus, number>> = {
  queued: 1,
  building: 2,
  pushing: 3,
  updating_gitops: 4,
  syncing: 5,
};

/**
 * What a single workflow task's test starts from: the run store (which also holds the deploy turns
 * and releases), the journal over in-memory logs and events, and a workspace with one project of each
 * type. Each test then builds its task's ports object from these pieces and the fakes it needs.
 */
export function workflowRuns() {
  const store = new InMemoryStore();
  const users = new InMemoryUsers(store);
  const workspaces = new InMemoryWorkspaces(store);
  const projects = new InMemoryProjects();
  const runs = new InMemoryRuns();
  const logs = new InMemoryRunLogs();
  const events = new RecordingPublisher();
  const ids = sequentialIds();
  // Ticks a second per reading, so a run that was written again shows a new updatedAt.
  let ticks = 0;
  const clock: Clock = { now: () => new Date(Date.UTC(2026, 10, 22, 10, 0, ticks++)) };
  const journal = makeRunJournal({ runs, logs, events, clock });

  const ws: Workspace = {
    ...workspace,
    namespace: 'payments',
    personal: false,
    createdBy: monolith.createdBy,
    createdAt: monolith.createdAt,
  };
  store.workspaces.set(ws.id, ws);
  const alice: User = {
    id: 'alice',
    username: 'alice',
    name: 'Alice Example',
    email: 'alice@example.com',
    personalWorkspaceId: 'wpersonalalice',
    createdAt: monolith.createdAt,
  };
  store.users.set(alice.id, alice);
  for (const p of [monolith, database, microservices]) projects.items.set(p.id, structuredClone(p));

  /**
   * A run of `project` in production, queued unless `fields` say otherwise; its steps are those of
   * a deploy that reached its status.
   */
  async function addRun(project: Project = monolith, fields: Partial<Run> = {}): Promise<Run> {
    const now = clock.now().toISOString();
    const reached = STEPS_TO[fields.status ?? 'queued'] ?? 1;
    const steps = STEP_PATH.slice(0, reached).map(
      (name, i): RunStep => ({
        name,
        status: i === reached - 1 ? 'running' : 'succeeded',
        startedAt: now,
        ...(i === reached - 1 ? {} : { endedAt: now }),
      }),
    );
    const run: Run = {
      id: ids.runId(),
      workspaceId: project.workspaceId,
      projectId: project.id,
      projectName: project.name,
      environment: 'production',
      kind: 'deploy',
      status: 'queued',
      trigger: 'user',
      requestedBy: alice.id,
      source:
        'repository' in project
          ? { repositoryUrl: project.repository.url, branch: project.repository.branch }
          : undefined,
      steps,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
    await runs.create(run);
    return run;
  }

  /** The execution's input for a run, plus whatever earlier tasks returned. */
  const stateOf = (run: Run, extra: Partial<DeployState> = {}): DeployState => ({
    runId: run.id,
    workspaceId: run.workspaceId,
    projectId: run.projectId,
    environment: run.environment,
    kind: run.kind,
    ...extra,
  });

  const reload = async (run: Pick<Run, 'projectId' | 'id'>) => (await runs.get(run.projectId, run.id)) as Run;
  const env = (project: Project = monolith) => runs.getEnvironment(project.id, 'production');

  /**
   * Commits a rendered release of `project` to `gitops` and records it as the environment's current
   * one (numbered after the last). `omit` leaves one of its files out of the commit.
   */
  async function addRelease(
    gitops: FakeGitOps,
    project: Project = monolith,
    options: { image?: ImageRef; omit?: string } = {},
  ): Promise<Release> {
    const number = (await env(project)).releaseCount + 1;
    const runId = ids.runId();
    const id = releaseIdFor(runId);
    const image = options.image ?? {
      reference: `registry.test/${project.name}:${number}`,
      digest: `sha256:${String(number).repeat(64)}`,
    };
    const rendered = renderRelease({
      workspace: ws,
      project,
      environment: 'production',
      release: { id, number, runId },
      image,
      platform,
    });
    const { commit } = await gitops.commit({
      message: `release ${number}`,
      author: { name: 'Seed', email: 'seed@test' },
      files: rendered.files.filter((f) => !options.omit || !f.path.endsWith(`/${options.omit}`)),
    });
    return runs.recordRelease({
      id,
      number,
      workspaceId: project.workspaceId,
      projectId: project.id,
      environment: 'production',
      runId,
      kind: 'deploy',
      image,
      sourceCommit: `${number}`.repeat(40),
      values: rendered.values,
      envNames: rendered.envNames,
      gitopsCommit: commit,
      gitopsPath: rendered.path,
      appName: rendered.appName,
      liveUrl: rendered.liveUrl,
      createdBy: alice.id,
      createdAt: clock.now().toISOString(),
    });
  }

  /**
   * A deploy whose release (numbered after the current one) CommitDesiredState rendered and committed
   * to `gitops`: syncing unless `fields` say otherwise.
   */
  async function addCommittedRun(gitops: FakeGitOps, project: Project = monolith, fields: Partial<Run> = {}) {
    const run = await addRun(project, { status: 'syncing', ...fields });
    const id = releaseIdFor(run.id);
    const number = (await env(project)).releaseCount + 1;
    const image = {
      reference: `registry.test/${project.name}:${run.id}`,
      digest: `sha256:${'f'.repeat(64)}`,
    };
    const rendered = renderRelease({
      workspace: ws,
      project,
      environment: 'production',
      release: { id, number, runId: run.id },
      image,
      platform,
    });
    const { commit } = await gitops.commit({
      message: `release ${number}`,
      author: { name: 'Alice Example', email: 'alice@example.com' },
      // As CommitDesiredState writes it: the workspace's bootstrap file goes with its first release.
      files: [renderWorkspaceBootstrap(TEST_BOOTSTRAP, ws), ...rendered.files],
    });
    const committed: Run = {
      ...run,
      image,
      sourceCommit: 'c'.repeat(40),
      gitopsCommit: commit,
      pendingRelease: {
        id,
        number,
        gitopsPath: rendered.path,
        appName: rendered.appName,
        namespace: rendered.namespace,
        values: rendered.values,
        envNames: rendered.envNames,
        liveUrl: rendered.liveUrl,
      },
      ...fields,
    };
    await runs.replace(committed, run);
    return committed;
  }

  return {
    store,
    users,
    workspaces,
    projects,
    runs,
    logs,
    events,
    clock,
    journal,
    workspace: ws,
    alice,
    monolith,
    database,
    microservices,
    addRun,
    addRelease,
    addCommittedRun,
    stateOf,
    reload,
    env,
    /** The run's log lines, in order. */
    log: (run: Pick<Run, 'id'>) => logs.text(run.id),
  };
}

export type WorkflowRuns = ReturnType<typeof workflowRuns>;

/** The error a task's promise rejects with: its name (what Catch/Retry match) and message. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; message: string } | undefined> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return undefined;
}
