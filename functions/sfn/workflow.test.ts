import { StateMachine } from 'aws-local-stepfunctions';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../shared/deploy.ts';
import type { Project } from '../../shared/domain.ts';
import { WorkflowError } from '../../shared/errors.ts';
import { workspaceBootstrapFile } from '../../shared/manifests/index.ts';
import { projectSchemas } from '../../shared/schemas/project.ts';
import { alice, inMemoryDeps } from '../../shared/testing/fixtures.ts';
import {
  FakeBuild,
  FakeGitOps,
  FakeSync,
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../../shared/testing/in-memory-deploy.ts';
import { makeDeployTasks } from '../../shared/testing/workflow-tasks.ts';
import { makeRequestDeploy, makeRequestRollback } from '../../shared/use-cases/deployments.ts';
import { makeGetMe } from '../../shared/use-cases/me.ts';
import { makeCreateProject } from '../../shared/use-cases/projects.ts';
import { makeRunJournal } from '../../shared/use-cases/run-journal.ts';
import {
  DEPLOY_TASKS,
  type DeployState,
  TASK_RESULT_KEYS,
} from '../../shared/use-cases/workflow/contract.ts';
import { deployProjectDefinition, deployProjectTasks, deployProjectWaits } from './definition.ts';

/**
 * The real DeployProject definition, run by aws-local-stepfunctions, with the real workflow use cases
 * on in-memory fakes of every port: the paths an operator would see in the console.
 */
function setup() {
  const base = inMemoryDeps();
  const runs = new InMemoryRuns();
  const logs = new InMemoryRunLogs();
  const events = new RecordingPublisher();
  const build = new FakeBuild();
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const workflow = new FakeWorkflow();
  const finished: Array<[string, Run['status']]> = [];
  const journal = makeRunJournal({
    runs,
    logs,
    events,
    clock: { now: () => new Date() },
    finished: (run) => finished.push([run.id, run.status]),
  });
  const tasks = makeDeployTasks({
    ...base,
    runs,
    build,
    gitops,
    sync,
    workflow,
    journal,
    clock: { now: () => new Date() },
    platform: {
      domain: 'apps.test',
      imageRegistry: 'registry.test/wharf',
      clusterIssuer: 'letsencrypt',
      secretStore: 'wharf',
    },
    limits: { turnWaits: 500, buildPolls: 500, syncChecks: 5 },
  });
  const machine = new StateMachine(JSON.parse(deployProjectDefinition), {
    validationOptions: { checkArn: false },
  });
  // Each state runs its task as sfnTask does: the result goes under the contract's key.
  const handlers = Object.fromEntries(
    DEPLOY_TASKS.map((state) => {
      const task = tasks[(state.charAt(0).toLowerCase() + state.slice(1)) as keyof typeof tasks];
      const key = TASK_RESULT_KEYS[state];
      return [
        state,
        async (input: { Payload: DeployState }) => {
          const result = await (task as (s: DeployState) => Promise<unknown>)(input.Payload);
          return { Payload: key ? { ...input.Payload, [key]: result } : input.Payload };
        },
      ];
    }),
  );
  const execute = (input: Record<string, unknown>) =>
    machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: Object.fromEntries(deployProjectWaits.map((w) => [w, 5])),
        retryIntervalOverrides: Object.fromEntries(Object.keys(deployProjectTasks).map((t) => [t, 1])),
      },
      noThrowOnAbort: true,
    });
  const deploymentDeps = { ...base, runs, turns: runs, releases: runs, logs, workflow, journal };
  return { base, runs, logs, events, build, gitops, sync, workflow, execute, deploymentDeps, finished };
}

type Setup = ReturnType<typeof setup>;
let s: Setup;
let project: Project;

async function deployAndRun(extra: Record<string, unknown> = {}) {
  const run = await makeRequestDeploy(s.deploymentDeps)(alice, project.workspaceId, project.id, {
    environment: 'production',
    ...extra,
  });
  const input = s.workflow.started.at(-1);
  const execution = s.execute(input as never);
  const outcome = await execution.result.then(
    (output) => ({ ok: true, output }),
    // aws-local-stepfunctions wraps the Fail state's error; its name is the ASL Error.
    (error: Error) => ({ ok: false, error: (error.cause as Error | undefined)?.name ?? error.name }),
  );
  return { run: (await s.runs.get(project.id, run.id)) as Run, outcome };
}

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
      env: [{ name: 'API_KEY', value: 'x', secret: true }],
    }),
  );
  project = (await s.base.projects.get(workspaceId, view.id)) as Project;
});

describe('DeployProject on aws-local-stepfunctions', () => {
  it('builds, commits once, waits for sync, records release 1 and ends deployed', async () => {
    const { run, outcome } = await deployAndRun();
    expect(outcome.ok).toBe(true);
    expect(run.status).toBe('deployed');
    expect(run.steps.map((st) => `${st.name}:${st.status}`)).toEqual([
      'queue:succeeded',
      'build:succeeded',
      'push:succeeded',
      'gitops:succeeded',
      'sync:succeeded',
    ]);
    expect(s.gitops.commits).toHaveLength(1);
    // The release's three files (the workspace's bootstrap file goes with the first one).
    const files = [...(s.gitops.commits[0]?.files.keys() ?? [])].filter((f) => f.startsWith('apps/'));
    expect(files.map((f) => f.split('/').at(-1)).sort()).toEqual([
      'manifests.yaml',
      'release.json',
      'values.yaml',
    ]);
    expect(JSON.stringify([...(s.gitops.commits[0]?.files.values() ?? [])])).not.toContain('"x"');
    const releases = await s.runs.listReleases(project.id, 'production', { limit: 10 });
    expect(releases.items).toMatchObject([
      { number: 1, runId: run.id, gitopsCommit: s.gitops.commits[0]?.id },
    ]);
    expect(s.logs.text(run.id)).toEqual(expect.arrayContaining(['step 1', 'step 2']));
    const statuses = s.events.events
      .filter((e) => e.type === 'status')
      .map((e) => e.type === 'status' && e.status);
    expect(statuses).toEqual(
      expect.arrayContaining(['building', 'pushing', 'updating_gitops', 'syncing', 'deployed']),
    );
    expect((await s.runs.getEnvironment(project.id, 'production')).activeRunId).toBeUndefined();
    // The run-finished metric: once, with the terminal status.
    expect(s.finished).toEqual([[run.id, 'deployed']]);
  });

  it('counts the app synced when another project committed after it (Argo CD reports the head)', async () => {
    s.sync.revisionOf = async () => {
      // Another project's release lands on the branch right after this one.
      if (s.gitops.commits.length === 1) {
        await s.gitops.commit({
          message: 'another project',
          author: { name: 'Wharf', email: 'wharf@test' },
          files: [{ path: 'apps/w0other/u/x/production/release.json', content: '{}' }],
        });
      }
      return s.gitops.head();
    };
    const { run, outcome } = await deployAndRun();
    expect(outcome.ok).toBe(true);
    expect(run.status).toBe('deployed');
    expect(run.gitopsCommit).toBe(s.gitops.commits[0]?.id);
    expect(await s.gitops.head()).not.toBe(run.gitopsCommit);
  });

  it('fails the run with the build reason and a hint, and frees the turn', async () => {
    s.build.outcome = 'failed';
    const { run, outcome } = await deployAndRun();
    expect(outcome).toEqual({ ok: false, error: 'DeployFailed' });
    expect(run).toMatchObject({ status: 'failed', failureReason: 'npm run build exited with code 1' });
    expect(run.hint).toContain('Your build command failed');
    expect(s.gitops.commits).toHaveLength(0);
    expect((await s.runs.getEnvironment(project.id, 'production')).activeRunId).toBeUndefined();
  });

  it('ends a run cancelled, not failed, when its build was cancelled (ABORTED in Jenkins)', async () => {
    s.build.outcome = 'cancelled';
    const { run } = await deployAndRun();
    expect(run).toMatchObject({
      status: 'cancelled',
      failureReason: 'The build was aborted in Jenkins by bob.',
    });
    expect(run.hint).not.toContain('Your build command failed');
    expect(s.finished).toEqual([[run.id, 'cancelled']]);
    expect((await s.runs.getEnvironment(project.id, 'production')).activeRunId).toBeUndefined();
  });

  it('leaves the build running when the run fails because polling it kept failing', async () => {
    s.build.pollError = new WorkflowError('TransientError', 'Jenkins has not answered for 5 min.');
    const { run } = await deployAndRun();
    expect(run).toMatchObject({ status: 'failed', failureReason: 'Jenkins has not answered for 5 min.' });
    expect(s.build.cancelled).toEqual([]);
  });

  it("writes a workspace's missing bootstrap file (AppProject, namespaces) in the release's commit, and only once", async () => {
    const path = workspaceBootstrapFile(project.workspaceId);
    const first = await deployAndRun();
    expect(first.run.status).toBe('deployed');
    expect(s.gitops.commits).toHaveLength(1);
    const commit = s.gitops.commits[0];
    expect(commit?.id).toBe(first.run.gitopsCommit);
    expect(commit?.change.files.map((f) => f.path)).toContain(path);
    expect(commit?.files.get(path)).toContain('kind: AppProject');
    expect(commit?.files.get(path)).toContain('kind: Namespace');

    // Present at the head now: the next release leaves it alone.
    const second = await deployAndRun();
    expect(second.run.status).toBe('deployed');
    expect(s.gitops.commits.at(-1)?.change.files.map((f) => f.path)).not.toContain(path);
    expect(s.gitops.commits.at(-1)?.files.get(path)).toBe(commit?.files.get(path));
  });

  it('tells a first release that Argo CD never created (no AppProject yet) it is a platform problem, with what the operator runs', async () => {
    s.sync.health = 'Missing';
    const { run } = await deployAndRun();
    expect(run.status).toBe('failed');
    expect(run.hint).toContain('platform problem');
    expect(run.hint).toContain('infra/aws/bootstrap-gitops.ts');
    expect(run.hint).toContain(project.workspaceId);
    expect(run.hint).not.toContain('fix the app');
  });

  it('rolls a degraded rollout back to the previous release, and fails the first one that has none', async () => {
    s.sync.health = 'Degraded';
    const first = await deployAndRun();
    expect(first.run).toMatchObject({ status: 'failed' });
    expect(first.run.failureReason).toContain('readiness probe failed');

    s.sync.health = 'Healthy';
    const good = await deployAndRun();
    expect(good.run.status).toBe('deployed');

    s.sync.health = 'Degraded';
    const bad = await deployAndRun();
    expect(bad.outcome).toEqual({ ok: false, error: 'RolloutFailed' });
    expect(bad.run).toMatchObject({ status: 'rolled_back', failureReason: 'readiness probe failed' });
    const last = s.gitops.commits.at(-1);
    const goodCommit = s.gitops.commits.find((c) => c.id === good.run.gitopsCommit);
    expect([...(last?.files.entries() ?? [])]).toEqual([...(goodCommit?.files.entries() ?? [])]);
    expect((await s.runs.getEnvironment(project.id, 'production')).currentReleaseId).toBe(good.run.releaseId);
  });

  it('never reuses a release number: a run that committed #2 and was rolled back leaves #2 used', async () => {
    await deployAndRun();
    s.sync.health = 'Degraded';
    const bad = await deployAndRun();
    expect(bad.run.status).toBe('rolled_back');
    expect(bad.run.pendingRelease?.number).toBe(2);
    s.sync.health = 'Healthy';
    const next = await deployAndRun();
    expect(next.run.status).toBe('deployed');
    const releases = (await s.runs.listReleases(project.id, 'production', { limit: 10 })).items;
    expect(releases.map((r) => r.number)).toEqual([3, 1]);
    // A build that failed before any commit took no number.
    s.build.outcome = 'failed';
    expect((await deployAndRun()).run.status).toBe('failed');
    s.build.outcome = 'succeeded';
    expect((await deployAndRun()).run.pendingRelease?.number).toBe(4);
  });

  it('rolls a microservices project back as a whole when one of its services never becomes ready', async () => {
    const view = await makeCreateProject(s.base)(
      alice,
      project.workspaceId,
      projectSchemas('local').create.parse({
        name: 'shop',
        type: 'microservices',
        repository: { url: 'https://github.com/acme/shop.git' },
        services: [
          { name: 'gateway', path: 'gateway', port: 8080, entry: true },
          { name: 'orders', path: 'orders', port: 8080 },
        ],
      }),
    );
    project = (await s.base.projects.get(project.workspaceId, view.id)) as Project;
    const image = (service: string, digit: string) => ({
      reference: `registry.test/wharf/shop/${service}:r`,
      digest: `sha256:${digit.repeat(64)}`,
    });
    s.build.images = { gateway: image('gateway', '1'), orders: image('orders', '2') };
    const good = await deployAndRun();
    expect(good.run.status).toBe('deployed');

    // Both services rebuilt; the new orders image never passes its readiness probe.
    s.build.images = { gateway: image('gateway', '3'), orders: image('orders', '4') };
    s.sync.health = 'Degraded';
    s.sync.message = 'Deployment shop-orders: Deployment "shop-orders" exceeded its progress deadline';
    const bad = await deployAndRun();
    expect(bad.outcome).toEqual({ ok: false, error: 'RolloutFailed' });
    expect(bad.run).toMatchObject({ status: 'rolled_back' });
    expect(bad.run.failureReason).toContain('shop-orders');
    // The restoring commit puts back every service of the good release, the healthy gateway too.
    const last = s.gitops.commits.at(-1);
    const goodCommit = s.gitops.commits.find((c) => c.id === good.run.gitopsCommit);
    expect(last?.id).not.toBe(bad.run.gitopsCommit);
    expect([...(last?.files.entries() ?? [])]).toEqual([...(goodCommit?.files.entries() ?? [])]);
    const manifests = [...(last?.files.entries() ?? [])].find(([path]) =>
      path.endsWith('/manifests.yaml'),
    )?.[1];
    expect(manifests).toContain(`@sha256:${'1'.repeat(64)}`);
    expect(manifests).toContain(`@sha256:${'2'.repeat(64)}`);
    expect(manifests).not.toContain(`@sha256:${'3'.repeat(64)}`);
    expect((await s.runs.getEnvironment(project.id, 'production')).currentReleaseId).toBe(good.run.releaseId);
  });

  it('restores the previous desired state with a new commit when the sync fails after the commit', async () => {
    const good = await deployAndRun();
    s.sync.failRequests = new WorkflowError(
      'ArgoCdUnauthorized',
      'Argo CD at argocd.test refused the token (401).',
    );
    const bad = await deployAndRun();
    expect(bad.run).toMatchObject({ status: 'failed' });
    expect(bad.run.failureReason).toContain('refused the token');
    const revert = s.gitops.commits.at(-1);
    const goodCommit = s.gitops.commits.find((c) => c.id === good.run.gitopsCommit);
    expect(revert?.id).not.toBe(bad.run.gitopsCommit);
    expect([...(revert?.files.entries() ?? [])]).toEqual([...(goodCommit?.files.entries() ?? [])]);
    expect(revert?.change.message).toContain(`release ${1}`);
    expect(revert?.change.message).toContain('refused the token');
    const env = await s.runs.getEnvironment(project.id, 'production');
    expect(env.currentReleaseId).toBe(good.run.releaseId);
    expect(env.outOfSync).toBeUndefined();
    expect(s.logs.text(bad.run.id).join('\n')).toContain('Restored release 1');
  });

  it('removes a first release from GitOps when its run fails after the commit', async () => {
    s.sync.failRequests = new WorkflowError('ArgoCdUnauthorized', 'Argo CD refused the token.');
    const first = await deployAndRun();
    expect(first.run.status).toBe('failed');
    const path = first.run.pendingRelease?.gitopsPath as string;
    const head = s.gitops.commits.at(-1);
    expect(head?.id).not.toBe(first.run.gitopsCommit);
    expect([...(head?.files.keys() ?? [])].filter((p) => p.startsWith(`${path}/`))).toEqual([]);
    expect(head?.change.deletePaths).toEqual([path]);
  });

  it('marks the environment out of sync when even the restoring commit fails; the next deploy clears it', async () => {
    const good = await deployAndRun();
    s.sync.failRequests = new WorkflowError('ArgoCdUnauthorized', 'Argo CD refused the token.');
    s.gitops.refuse = (change) => change.message.startsWith('Restore');
    const bad = await deployAndRun();
    expect(bad.run.status).toBe('failed');
    const env = await s.runs.getEnvironment(project.id, 'production');
    expect(env.currentReleaseId).toBe(good.run.releaseId);
    expect(env.outOfSync).toMatchObject({ runId: bad.run.id });
    expect(env.outOfSync?.cause).toContain('Argo CD refused the token');
    expect(bad.run.hint).toContain('out of sync');

    s.sync.failRequests = undefined;
    s.gitops.refuse = undefined;
    const next = await deployAndRun();
    expect(next.run.status).toBe('deployed');
    expect((await s.runs.getEnvironment(project.id, 'production')).outOfSync).toBeUndefined();
  });

  it('rolls back to an earlier release by re-committing it, without a build', async () => {
    const one = await deployAndRun();
    await deployAndRun();
    const buildsBefore = s.build.started.length;
    const rollback = await makeRequestRollback(s.deploymentDeps)(
      alice,
      project.workspaceId,
      project.id,
      one.run.releaseId as string,
    );
    await s.execute(s.workflow.started.at(-1) as never).result;
    const done = (await s.runs.get(project.id, rollback.id)) as Run;
    expect(done.status).toBe('deployed');
    expect(s.build.started.length).toBe(buildsBefore);
    const restored = s.gitops.commits.at(-1);
    const original = s.gitops.commits.find((c) => c.id === one.run.gitopsCommit);
    const manifests = (c: typeof restored) =>
      [...(c?.files.entries() ?? [])].filter(([p]) => p.endsWith('manifests.yaml'));
    expect(manifests(restored)).toEqual(manifests(original));
    const releases = (await s.runs.listReleases(project.id, 'production', { limit: 10 })).items;
    expect(releases[0]).toMatchObject({
      number: 3,
      kind: 'rollback',
      rollbackOf: one.run.releaseId,
      image: one.run.image,
    });
    // The history reads "Rollback to #1 (ccccccc 'Fix header')": the run names its target and commit.
    const commit = { sha: 'c'.repeat(40), message: 'Fix header', author: 'Alice Example' };
    expect(one.run.commit).toEqual(commit);
    expect(releases.map((r) => r.commit)).toEqual([commit, commit, commit]);
    expect(rollback.target).toEqual({ releaseNumber: 1, environment: 'production', commit });
    expect(done.commit).toEqual(commit);
    // The log names the release by number and commit, never by its id.
    expect(s.logs.text(rollback.id)[0]).toBe(
      `Run ${rollback.id} queued: roll back storefront (production) to release 1 (ccccccc 'Fix header' by Alice Example)`,
    );
    expect(s.logs.text(rollback.id).join('\n')).not.toContain(one.run.releaseId as string);
  });

  it('records the SHA alone when the build could not read the commit’s message and author', async () => {
    s.build.commit = undefined;
    const { run } = await deployAndRun();
    expect(run.commit).toEqual({ sha: 'c'.repeat(40) });
    expect((await s.runs.getRelease(project.id, run.releaseId as string))?.commit).toEqual({
      sha: 'c'.repeat(40),
    });
  });

  it('runs one deploy per environment at a time; a newer queued deploy supersedes an older one', async () => {
    const request = makeRequestDeploy(s.deploymentDeps);
    const building = async (id: string) => {
      while ((await s.runs.get(project.id, id))?.status !== 'building')
        await new Promise((r) => setTimeout(r, 5));
    };
    s.build.hold = true;
    const first = await request(alice, project.workspaceId, project.id, { environment: 'production' });
    const firstExec = s.execute(s.workflow.started.at(-1) as never);
    await building(first.id);
    const second = await request(alice, project.workspaceId, project.id, { environment: 'production' });
    const secondExec = s.execute(s.workflow.started.at(-1) as never);
    await new Promise((r) => setTimeout(r, 20));
    const third = await request(alice, project.workspaceId, project.id, { environment: 'production' });
    const thirdExec = s.execute(s.workflow.started.at(-1) as never);
    await new Promise((r) => setTimeout(r, 50));
    s.build.hold = false;
    await Promise.allSettled([firstExec.result, secondExec.result, thirdExec.result]);
    const status = async (id: string) => (await s.runs.get(project.id, id))?.status;
    expect(await status(first.id)).toBe('deployed');
    expect(await status(second.id)).toBe('superseded');
    expect(await status(third.id)).toBe('deployed');
    expect(s.finished.sort()).toEqual(
      [
        [first.id, 'deployed'],
        [second.id, 'superseded'],
        [third.id, 'deployed'],
      ].sort(),
    );
    // Never interleaved: the third run started building only after the first finished.
    const firstDone = (await s.runs.get(project.id, first.id))?.finishedAt as string;
    const thirdBuild = (await s.runs.get(project.id, third.id))?.steps.find((st) => st.name === 'build')
      ?.startedAt as string;
    expect(thirdBuild >= firstDone).toBe(true);
    expect(s.build.started.map((b) => b.runId)).toEqual([first.id, third.id]);
  });
});
