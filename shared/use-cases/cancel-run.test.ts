import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../deploy.ts';
import type { Project } from '../domain.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import { InMemoryApprovals } from '../testing/in-memory-approvals.ts';
import {
  FakeBuild,
  FakeGitOps,
  FakeSync,
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../testing/in-memory-deploy.ts';
import { makeDeployTasks } from '../testing/workflow-tasks.ts';
import { CANCELLED_ERROR, makeCancelRun } from './cancel-run.ts';
import { makeRequestDeploy } from './deployments.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject } from './projects.ts';
import { makeRunJournal } from './run-journal.ts';
import type { DeployState } from './workflow/contract.ts';
import { makeEndOrphanedRun } from './workflow/end-orphaned-run.ts';
import { WORKFLOW_HINTS } from './workflow/fail-run.ts';

/**
 * Cancel over the in-memory ports and the real workflow tasks; the stopped execution's ABORTED event
 * is played by calling end-orphaned-run, as the execution-status rule does.
 */
function setup() {
  const base = inMemoryDeps();
  const runs = new InMemoryRuns();
  const logs = new InMemoryRunLogs();
  const build = new FakeBuild();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const workflow = new FakeWorkflow();
  const approvals = new InMemoryApprovals();
  const clock = { now: () => new Date() };
  const journal = makeRunJournal({ runs, logs, events: new RecordingPublisher(), clock });
  const tasks = makeDeployTasks({
    ...base,
    runs,
    build,
    gitops,
    sync,
    workflow,
    journal,
    clock,
    approvals,
    platform: {
      domain: 'apps.test',
      imageRegistry: 'registry.test/wharf',
      clusterIssuer: 'letsencrypt',
      secretStore: 'wharf',
    },
    limits: { turnWaits: 5, buildPolls: 50, syncChecks: 5 },
  });
  const cancel = makeCancelRun({
    workspaces: base.workspaces,
    runs,
    turns: runs,
    approvals,
    workflow,
    journal,
    clock,
  });
  const aborted = (state: DeployState) =>
    makeEndOrphanedRun({
      runs,
      turns: runs,
      releases: runs,
      build,
      gitops,
      sync,
      journal,
      clock,
      hints: WORKFLOW_HINTS,
    })(state, { status: 'ABORTED', error: CANCELLED_ERROR, cause: 'cancelled' });
  return { base, runs, logs, build, gitops, sync, workflow, approvals, journal, tasks, cancel, aborted };
}

let s: ReturnType<typeof setup>;
let project: Project;

async function requested(): Promise<DeployState> {
  const deps = { ...s.base, runs: s.runs, turns: s.runs, releases: s.runs, logs: s.logs };
  await makeRequestDeploy({ ...deps, workflow: s.workflow, journal: s.journal })(
    alice,
    project.workspaceId,
    project.id,
    { environment: 'production' },
  );
  return s.workflow.started.at(-1) as DeployState;
}

async function building(): Promise<DeployState> {
  const state = await requested();
  const turn = await s.tasks.startRun(state);
  expect(turn.result).toBe('go');
  return { ...state, turn, build: await s.tasks.triggerBuild({ ...state, turn }) };
}

/** Builds, commits the release to Git and asks for the sync: the run waits in `syncing`. */
async function pastCommit(): Promise<DeployState> {
  let state = await building();
  for (let i = 0; i < 10 && state.build?.state !== 'succeeded'; i++) {
    state = { ...state, build: await s.tasks.pollBuild(state) };
  }
  state = { ...state, gitops: await s.tasks.commitDesiredState(state) };
  await s.tasks.requestSync(state);
  return state;
}

async function deployed(): Promise<DeployState> {
  let state = await pastCommit();
  state = { ...state, sync: await s.tasks.checkSync(state) };
  state = { ...state, release: await s.tasks.recordRelease(state) };
  await s.tasks.finishRun(state);
  return state;
}

const load = async (state: DeployState) => (await s.runs.get(state.projectId, state.runId)) as Run;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { kind?: string; code?: string }) => [e.kind, e.code],
  );

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

describe('CancelRun', () => {
  it('a building run: records who and why, stops its execution; the ABORTED ending cancels it and frees the turn', async () => {
    const state = await building();

    const answered = await s.cancel(alice, project.workspaceId, project.id, state.runId, {
      reason: 'wrong branch',
    });

    expect(answered).toMatchObject({
      status: 'building',
      cancellation: { by: 'alice', at: expect.any(String), reason: 'wrong branch' },
    });
    expect(s.workflow.stopped).toEqual([
      {
        executionArn: answered.executionArn,
        error: CANCELLED_ERROR,
        cause: expect.stringContaining('Cancelled by alice: wrong branch'),
      },
    ]);

    const ended = await s.aborted(state);
    expect(ended).toMatchObject({
      status: 'cancelled',
      failureReason: 'Cancelled by alice: wrong branch',
      cancellation: { by: 'alice', reason: 'wrong branch' },
    });
    expect(s.build.cancelled).toEqual([state.build?.buildId]);
    expect((await s.runs.getEnvironment(project.id, 'production')).activeRunId).toBeUndefined();
    expect(s.logs.text(state.runId).join('\n')).toContain('✖ Cancelled by alice: wrong branch');
  });

  it('after the GitOps commit: Git goes back to the live release, which stays current', async () => {
    const first = await deployed();
    const live = (await s.runs.getEnvironment(project.id, 'production')).currentReleaseId;
    expect(live).toBeDefined();
    const second = await pastCommit();
    expect((await load(second)).status).toBe('syncing');
    const commits = s.gitops.commits.length;

    await s.cancel(alice, project.workspaceId, project.id, second.runId, {});
    const ended = await s.aborted(second);

    expect(ended?.status).toBe('cancelled');
    expect(s.gitops.commits).toHaveLength(commits + 1);
    expect(s.gitops.commits.at(-1)?.change.message).toMatch(
      /^Restore storefront \(production\) to release 1/,
    );
    const env = await s.runs.getEnvironment(project.id, 'production');
    expect(env.currentReleaseId).toBe(live);
    expect(env.activeRunId).toBeUndefined();
    expect((await load(first)).status).toBe('deployed');
  });

  it('a queued run ends cancelled at once, its execution stopped; the next deploy takes the turn', async () => {
    await building();
    const queued = await requested();
    expect((await s.tasks.startRun(queued)).result).toBe('wait');
    expect((await load(queued)).status).toBe('queued');

    const cancelled = await s.cancel(alice, project.workspaceId, project.id, queued.runId, {});

    expect(cancelled).toMatchObject({
      status: 'cancelled',
      failureReason: 'Cancelled by alice.',
      cancellation: { by: 'alice' },
    });
    expect(cancelled.steps.at(-1)).toMatchObject({ name: 'queue', status: 'failed' });
    expect(s.workflow.stopped.map((x) => x.executionArn)).toEqual([cancelled.executionArn]);
    // Its stopped execution's ending changes nothing more.
    expect(await s.aborted(queued)).toEqual(await load(queued));
    const next = await requested();
    expect((await s.tasks.startRun(next)).result).toBe('wait');
    expect((await load(next)).status).toBe('queued');
  });

  it('a run waiting for approval ends cancelled and leaves the approval list', async () => {
    const state = await requested();
    await s.tasks.awaitApproval({ state, taskToken: 'token-1', timeoutSeconds: 3600 });
    expect((await load(state)).status).toBe('awaiting_approval');

    const cancelled = await s.cancel(alice, project.workspaceId, project.id, state.runId, {
      reason: 'not today',
    });

    expect(cancelled.status).toBe('cancelled');
    expect(await s.approvals.list(project.workspaceId)).toEqual([]);
    expect(s.workflow.stopped).toHaveLength(1);
  });

  it('a finished run answers 409 run.finished; a stranger 404; nothing is stopped', async () => {
    const state = await deployed();
    expect(await failure(s.cancel(alice, project.workspaceId, project.id, state.runId, {}))).toEqual([
      'conflict',
      'run.finished',
    ]);
    const running = await building();
    expect(await failure(s.cancel(bob, project.workspaceId, project.id, running.runId, {}))).toEqual([
      'not_found',
      'workspace.not_found',
    ]);
    expect(await failure(s.cancel(alice, project.workspaceId, project.id, 'r-nope', {}))).toEqual([
      'not_found',
      'run.not_found',
    ]);
    expect(s.workflow.stopped).toEqual([]);
    expect((await load(running)).cancellation).toBeUndefined();
  });

  it('a stop that fails answers 503 and keeps the cancellation; Cancel again stops it, recording nothing new', async () => {
    const state = await building();
    s.workflow.failStop = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    expect(
      await failure(s.cancel(alice, project.workspaceId, project.id, state.runId, { reason: 'first' })),
    ).toEqual(['unavailable', 'workflow.unavailable']);
    const recorded = (await load(state)).cancellation;
    expect(recorded).toMatchObject({ by: 'alice', reason: 'first' });

    s.workflow.failStop = undefined;
    const again = await s.cancel(alice, project.workspaceId, project.id, state.runId, { reason: 'second' });
    expect(again.cancellation).toEqual(recorded);
    expect(s.workflow.stopped).toHaveLength(1);
  });

  it('a cancel that lands before the GitOps commit keeps the release out of Git', async () => {
    let state = await building();
    for (let i = 0; i < 10 && state.build?.state !== 'succeeded'; i++) {
      state = { ...state, build: await s.tasks.pollBuild(state) };
    }
    const commits = s.gitops.commits.length;
    await s.cancel(alice, project.workspaceId, project.id, state.runId, {});

    // The task already under way when the execution was stopped: it must not commit any more.
    await expect(s.tasks.commitDesiredState(state)).rejects.toMatchObject({ name: CANCELLED_ERROR });
    expect(s.gitops.commits).toHaveLength(commits);
    expect(await s.aborted(state)).toMatchObject({ status: 'cancelled' });
    expect(s.gitops.commits).toHaveLength(commits);
  });
});
