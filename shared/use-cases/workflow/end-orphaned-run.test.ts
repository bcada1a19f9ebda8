import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import type { Project } from '../../domain.ts';
import { projectSchemas } from '../../schemas/project.ts';
import { alice, inMemoryDeps } from '../../testing/fixtures.ts';
import {
  FakeBuild,
  FakeGitOps,
  FakeSync,
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../../testing/in-memory-deploy.ts';
import { makeDeployTasks } from '../../testing/workflow-tasks.ts';
import { makeRequestDeploy } from '../deployments.ts';
import { makeGetMe } from '../me.ts';
import { makeCreateProject } from '../projects.ts';
import { makeRunJournal } from '../run-journal.ts';
import type { DeployState } from './contract.ts';
import { makeEndOrphanedRun, PLATFORM_RESTARTED } from './end-orphaned-run.ts';
import { WORKFLOW_HINTS } from './fail-run.ts';

/** A run whose execution ended without FailRun (abort, timeout, crash, a restarted local platform). */
function setup() {
  const base = inMemoryDeps();
  const runs = new InMemoryRuns();
  const logs = new InMemoryRunLogs();
  const build = new FakeBuild();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const workflow = new FakeWorkflow();
  const clock = { now: () => new Date() };
  const journal = makeRunJournal({ runs, logs, events: new RecordingPublisher(), clock });
  const ports = {
    ...base,
    runs,
    build,
    gitops,
    sync,
    workflow,
    journal,
    clock,
    platform: {
      domain: 'apps.test',
      imageRegistry: 'registry.test/wharf',
      clusterIssuer: 'letsencrypt',
      secretStore: 'wharf',
    },
    limits: { turnWaits: 5, buildPolls: 50, syncChecks: 5 },
  };
  const tasks = makeDeployTasks(ports);
  const endOrphanedRun = makeEndOrphanedRun({
    runs,
    turns: runs,
    releases: runs,
    build,
    gitops,
    sync,
    journal,
    clock,
    hints: WORKFLOW_HINTS,
  });
  return { base, runs, logs, build, gitops, workflow, tasks, journal, endOrphanedRun, ports };
}

let s: ReturnType<typeof setup>;
let project: Project;

async function startedRun(): Promise<DeployState> {
  const deps = { ...s.base, runs: s.runs, turns: s.runs, releases: s.runs, logs: s.logs };
  await makeRequestDeploy({ ...deps, workflow: s.workflow, journal: s.journal })(
    alice,
    project.workspaceId,
    project.id,
    { environment: 'production' },
  );
  const state = s.workflow.started.at(-1) as DeployState;
  const turn = await s.tasks.startRun(state);
  expect(turn.result).toBe('go');
  return { ...state, turn };
}

/** Runs the happy path until the run has written its release to Git and waits for the sync. */
async function runPastCommit(): Promise<DeployState> {
  let state = await startedRun();
  state = { ...state, build: await s.tasks.triggerBuild(state) };
  for (let i = 0; i < 10 && state.build?.state !== 'succeeded'; i++) {
    state = { ...state, build: await s.tasks.pollBuild(state) };
  }
  state = { ...state, gitops: await s.tasks.commitDesiredState(state) };
  await s.tasks.requestSync(state);
  return state;
}

const load = async (state: DeployState) => (await s.runs.get(state.projectId, state.runId)) as Run;

beforeEach(async () => {
  s = setup();
  const me = await makeGetMe(s.base)(alice);
  const workspaceId = me.workspaces[0]?.id as string;
  const view = await makeCreateProject(s.base)(
    alice,
    workspaceId,
    projectSchemas('local').create.parse({
      name: 'storefront',
      type: 'monolith',
      repository: { url: 'https://github.com/acme/storefront.git' },
      port: 3000,
    }),
  );
  project = (await s.base.projects.get(workspaceId, view.id)) as Project;
});

describe('EndOrphanedRun', () => {
  it('ends a building run failed with "platform restarted", cancels its build and frees the turn', async () => {
    const state = await startedRun();
    const build = await s.tasks.triggerBuild(state);
    expect((await load(state)).status).toBe('building');

    const ended = await s.endOrphanedRun(state, PLATFORM_RESTARTED);

    expect(ended).toMatchObject({
      status: 'failed',
      failureReason: expect.stringContaining('platform restarted'),
    });
    expect(ended?.steps.at(-1)).toMatchObject({ name: 'build', status: 'failed' });
    expect(s.build.cancelled).toEqual([build.buildId]);
    expect((await s.runs.getEnvironment(project.id, 'production')).activeRunId).toBeUndefined();
    expect(s.logs.text(state.runId).join('\n')).toContain('platform restarted');
  });

  it('ends an aborted execution cancelled, and a timed-out or failed one failed with its cause', async () => {
    const aborted = await startedRun();
    expect(
      await s.endOrphanedRun(aborted, { status: 'ABORTED', error: undefined, cause: undefined }),
    ).toMatchObject({ status: 'cancelled', failureReason: expect.stringContaining('stopped') });

    const timedOut = await startedRun();
    expect(
      await s.endOrphanedRun(timedOut, { status: 'TIMED_OUT', error: 'States.Timeout', cause: undefined }),
    ).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('timed out') });

    const crashed = await startedRun();
    const lambdaCause = JSON.stringify({
      errorType: 'Error',
      errorMessage: 'Runtime exited with error: signal: killed',
    });
    expect(
      await s.endOrphanedRun(crashed, { status: 'FAILED', error: 'Lambda.Unknown', cause: lambdaCause }),
    ).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('signal: killed') });
    expect((await s.runs.getEnvironment(project.id, 'production')).activeRunId).toBeUndefined();
  });

  it('puts Git back to the recorded state when the run was past its GitOps commit', async () => {
    const state = await runPastCommit();
    expect((await load(state)).status).toBe('syncing');
    const commits = s.gitops.commits.length;

    const ended = await s.endOrphanedRun(state, PLATFORM_RESTARTED);

    expect(ended?.status).toBe('failed');
    // The first release never became live: its folder is removed again in a new commit.
    expect(s.gitops.commits).toHaveLength(commits + 1);
    const path = (await load(state)).pendingRelease?.gitopsPath;
    expect(path).toBeDefined();
    expect(s.gitops.commits.at(-1)?.change.deletePaths).toEqual([path]);
    expect(s.logs.text(state.runId).join('\n')).toContain('Removed this first release from GitOps');
  });

  it('is idempotent: a run that already ended is left as it is, and its turn is still freed', async () => {
    const state = await startedRun();
    const first = await s.endOrphanedRun(state, PLATFORM_RESTARTED);
    const lines = s.logs.text(state.runId).length;
    const again = await s.endOrphanedRun(state, { status: 'ABORTED', error: undefined, cause: undefined });
    expect(again).toEqual(first);
    expect(s.logs.text(state.runId)).toHaveLength(lines);
    expect(await s.endOrphanedRun({ ...state, runId: 'r-unknown' }, PLATFORM_RESTARTED)).toBeUndefined();
  });
});
