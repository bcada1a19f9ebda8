import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../shared/deploy.ts';
import type { Project } from '../../shared/domain.ts';
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
import { makeRequestPromotion } from '../../shared/use-cases/promotions.ts';
import { makeRunJournal } from '../../shared/use-cases/run-journal.ts';
import {
  DEPLOY_TASKS,
  type DeployState,
  TASK_RESULT_KEYS,
} from '../../shared/use-cases/workflow/contract.ts';
import { deployProjectDefinition, deployProjectTasks, deployProjectWaits } from './definition.ts';

/**
 * Promotion through the real DeployProject definition (aws-local-stepfunctions) with the real task
 * use cases on in-memory ports, as workflow.test.ts runs deploys: staging is deployed (built), then its
 * release is promoted to production by its image digest.
 */
function setup() {
  const base = inMemoryDeps();
  const runs = new InMemoryRuns();
  const logs = new InMemoryRunLogs();
  const build = new FakeBuild();
  // Each build its own digest (as a registry gives a new image), so releases can be told apart.
  const poll = build.poll.bind(build);
  build.poll = async (buildId, offset) => {
    const progress = await poll(buildId, offset);
    const digest = `sha256:${createHash('sha256').update(buildId).digest('hex')}`;
    return progress.image ? { ...progress, image: { ...progress.image, digest } } : progress;
  };
  const gitops = new FakeGitOps();
  const sync = new FakeSync();
  const workflow = new FakeWorkflow();
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
  /** Runs the execution the last started run asked for, to its end. */
  const executeLast = () =>
    machine.run(s.workflow.started.at(-1) as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: Object.fromEntries(deployProjectWaits.map((w) => [w, 5])),
        retryIntervalOverrides: Object.fromEntries(Object.keys(deployProjectTasks).map((t) => [t, 1])),
      },
      noThrowOnAbort: true,
    }).result;
  const deps = { ...base, runs, turns: runs, releases: runs, logs, workflow, journal };
  return { base, runs, logs, build, gitops, sync, workflow, deps, executeLast };
}

let s: ReturnType<typeof setup>;
let project: Project;

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
      env: [{ name: 'LOG_LEVEL', value: 'info' }],
    }),
  );
  // The pipeline new projects get, with a production-only variable (set here so this test does not
  // depend on how projects are created).
  const stored = (await s.base.projects.get(workspaceId, view.id)) as Project;
  project = {
    ...stored,
    environments: ['staging', 'production'],
    environmentSettings: { production: { env: [{ name: 'LOG_LEVEL', secret: false, value: 'warn' }] } },
  };
  s.base.projects.items.set(project.id, project);
});

const reload = async (run: Run) => (await s.runs.get(project.id, run.id)) as Run;

async function deployStaging() {
  const run = await makeRequestDeploy(s.deps)(alice, project.workspaceId, project.id, {
    environment: 'staging',
  });
  await s.executeLast();
  return reload(run);
}

async function promote(releaseId: string) {
  const run = await makeRequestPromotion(s.deps)(alice, project.workspaceId, project.id, 'production', {
    releaseId,
  });
  await s.executeLast();
  return reload(run);
}

describe('Promotion on aws-local-stepfunctions', () => {
  it('promotes a staging release to production by its digest: no build, one GitOps commit, promotedFrom recorded', async () => {
    const staging = await deployStaging();
    expect(staging.status).toBe('deployed');
    const stagingRelease = await s.runs.getRelease(project.id, staging.releaseId as string);
    expect(s.build.started).toHaveLength(1);
    const commitsBefore = s.gitops.commits.length;

    const run = await promote(stagingRelease?.id as string);
    expect(run.status).toBe('deployed');
    expect(run.steps.map((st) => `${st.name}:${st.status}`)).toEqual([
      'queue:succeeded',
      'gitops:succeeded',
      'sync:succeeded',
    ]);
    // No build started, and exactly one commit for the promotion.
    expect(s.build.started).toHaveLength(1);
    expect(s.gitops.commits).toHaveLength(commitsBefore + 1);
    const commit = s.gitops.commits.at(-1);
    expect(commit?.id).toBe(run.gitopsCommit);
    expect(commit?.change.message).toMatch(/^Promote storefront release 1 from staging to production\n/);
    expect(commit?.change.files.every((f) => f.path.includes('/production/'))).toBe(true);

    const production = (await s.runs.listReleases(project.id, 'production', { limit: 10 })).items;
    expect(production).toHaveLength(1);
    expect(production[0]).toMatchObject({
      number: 1,
      kind: 'promote',
      environment: 'production',
      image: stagingRelease?.image,
      sourceCommit: stagingRelease?.sourceCommit,
      promotedFrom: { releaseId: stagingRelease?.id, environment: 'staging', number: 1 },
      gitopsCommit: commit?.id,
    });
    expect(production[0]?.image.digest).toBe(stagingRelease?.image.digest);
    // Production's own configuration: its values and manifests, not staging's.
    const manifests = commit?.files.get(`${production[0]?.gitopsPath}/manifests.yaml`) ?? '';
    expect(manifests).toContain(stagingRelease?.image.digest);
    expect(production[0]?.values).not.toBe(stagingRelease?.values);
    expect((await s.runs.getEnvironment(project.id, 'production')).currentReleaseId).toBe(production[0]?.id);
    expect(s.logs.text(run.id)).toContain(
      `Promoting release 1 of staging (${stagingRelease?.image.reference}) to production without a build`,
    );
  });

  it('holds production after a rollback with a reason, which the release and the commit carry', async () => {
    const first = await deployStaging();
    await promote(first.releaseId as string);
    const second = await deployStaging();
    const promoted = await promote(second.releaseId as string);
    expect(promoted.status).toBe('deployed');
    const production = (await s.runs.listReleases(project.id, 'production', { limit: 10 })).items;
    const rollback = await makeRequestRollback(s.deps)(
      alice,
      project.workspaceId,
      project.id,
      production[1]?.id as string,
      { reason: 'checkout fails for EU cards' },
    );
    await s.executeLast();
    const done = await reload(rollback);
    expect(done).toMatchObject({ status: 'deployed', reason: 'checkout fails for EU cards' });
    expect(s.gitops.commits.at(-1)?.change.message).toContain('Reason: checkout fails for EU cards');
    expect(await s.runs.getRelease(project.id, done.releaseId as string)).toMatchObject({
      kind: 'rollback',
      reason: 'checkout fails for EU cards',
    });
    expect((await s.runs.getEnvironment(project.id, 'production')).hold).toMatchObject({
      by: 'alice',
      runId: rollback.id,
      releaseId: production[1]?.id,
      reason: 'checkout fails for EU cards',
    });
    expect((await s.runs.getEnvironment(project.id, 'staging')).hold).toBeUndefined();
  });
});
