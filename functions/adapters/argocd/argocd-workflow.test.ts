import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../../shared/deploy.ts';
import { renderRelease } from '../../../shared/manifests/index.ts';
import { monolith, releaseInput } from '../../../shared/manifests/testing/fixtures.ts';
import { inMemoryDeps } from '../../../shared/testing/fixtures.ts';
import {
  FakeBuild,
  FakeGitOps,
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../../../shared/testing/in-memory-deploy.ts';
import { makeDeployTasks } from '../../../shared/testing/workflow-tasks.ts';
import { makeRunJournal } from '../../../shared/use-cases/run-journal.ts';
import type { DeployState } from '../../../shared/use-cases/workflow/contract.ts';
import { type AppState, type FakeArgoCd, startFakeArgoCd } from '../../../testing/fakes/argocd.ts';
import { createArgoCdSyncService } from './argocd-sync-service.ts';

/**
 * The workflow's own RequestSync and CheckSync tasks on the Argo CD adapter, against the fake Argo CD:
 * what the run does in each state Argo CD reports right after a commit.
 */
const TOKEN = 'workflow-test-token';
const OLD = '1'.repeat(40);
const NEW = '2'.repeat(40);
const rendered = renderRelease(releaseInput(monolith));

let fake: FakeArgoCd;
let tasks: ReturnType<typeof makeDeployTasks>;
let runs: InMemoryRuns;
let logs: InMemoryRunLogs;
let state: DeployState;
let gitops: FakeGitOps;

beforeEach(async () => {
  fake = await startFakeArgoCd({ token: TOKEN });
  runs = new InMemoryRuns();
  logs = new InMemoryRunLogs();
  gitops = new FakeGitOps();
  tasks = tasksOn(fake);
  const run: Run = {
    id: 'r0run00000001',
    workspaceId: monolith.workspaceId,
    projectId: monolith.id,
    projectName: monolith.name,
    environment: 'production',
    kind: 'deploy',
    status: 'syncing',
    trigger: 'user',
    requestedBy: 'alice',
    gitopsCommit: NEW,
    pendingRelease: {
      id: 'l0run00000001',
      number: 2,
      gitopsPath: rendered.path,
      appName: rendered.appName,
      namespace: rendered.namespace,
      values: rendered.values,
      envNames: rendered.envNames,
    },
    steps: [{ name: 'sync', status: 'running', startedAt: '2026-01-01T00:00:00.000Z' }],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  await runs.create(run);
  state = {
    runId: run.id,
    workspaceId: run.workspaceId,
    projectId: run.projectId,
    environment: 'production',
    kind: 'deploy',
  };
});
afterEach(async () => {
  await fake.close();
});

/** The workflow tasks with the Argo CD adapter pointed at this fake. */
function tasksOn(argocd: FakeArgoCd) {
  const clock = { now: () => new Date('2026-01-01T00:00:00.000Z') };
  return makeDeployTasks({
    ...inMemoryDeps(),
    runs,
    build: new FakeBuild(),
    gitops,
    sync: createArgoCdSyncService({ url: argocd.url, token: TOKEN }),
    workflow: new FakeWorkflow(),
    journal: makeRunJournal({ runs, logs, events: new RecordingPublisher(), clock }),
    clock,
    platform: { domain: 'apps.test', imageRegistry: 'r.test', clusterIssuer: 'le', secretStore: 's' },
    limits: { turnWaits: 5, buildPolls: 5, syncChecks: 50 },
  });
}

const application = (status: NonNullable<AppState['status']>): AppState => ({
  spec: {
    project: rendered.argoProject,
    source: { repoURL: 'r', path: rendered.path, targetRevision: 'main' },
  },
  status,
});
const synced = (revision: string) => ({
  phase: 'Succeeded' as const,
  message: 'successfully synced (all tasks run)',
  syncResult: { revision },
});

describe('DeployProject sync steps on Argo CD', () => {
  it('keeps waiting while the ApplicationSet has not generated the app (404), then finishes', async () => {
    await expect(tasks.requestSync(state)).resolves.toBeUndefined();
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'waiting' });
    expect(logs.text(state.runId).at(-1)).toContain(`no application ${rendered.appName} yet`);

    // Generated and compared: Missing with no sync yet is not the rollout failing.
    fake.setApp(
      rendered.appName,
      application({ sync: { status: 'OutOfSync', revision: NEW }, health: { status: 'Missing' } }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'waiting' });

    // Automated sync running.
    fake.setApp(
      rendered.appName,
      application({
        sync: { status: 'OutOfSync', revision: NEW },
        health: { status: 'Missing' },
        operationState: { phase: 'Running', message: 'one or more tasks are running' },
      }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'waiting' });

    fake.setApp(
      rendered.appName,
      application({
        sync: { status: 'Synced', revision: NEW },
        health: { status: 'Healthy' },
        operationState: synced(NEW),
        history: [{ id: 0, revision: NEW }],
      }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'synced' });
  });

  it('does not judge the new commit by the old objects the branch head is compared against', async () => {
    fake.setApp(
      rendered.appName,
      application({
        sync: { status: 'OutOfSync', revision: NEW },
        health: { status: 'Degraded', message: 'the previous release is unhealthy' },
        operationState: synced(OLD),
        history: [{ id: 0, revision: OLD }],
      }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'waiting' });
  });

  it('rolls back on a failed sync of the commit, with Argo CD words, but not for an older failed sync', async () => {
    fake.setApp(
      rendered.appName,
      application({
        sync: { status: 'OutOfSync', revision: NEW },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          syncResult: { revision: OLD },
        },
        history: [{ id: 0, revision: OLD }],
      }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'waiting' });

    fake.setApp(
      rendered.appName,
      application({
        sync: { status: 'OutOfSync', revision: NEW },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          syncResult: { revision: NEW },
        },
        history: [{ id: 0, revision: OLD }],
      }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({
      state: 'degraded',
      message: 'one or more objects failed to apply',
    });
  });

  it('rolls back when the synced commit is Degraded, quoting the resource', async () => {
    fake.setApp(
      rendered.appName,
      application({
        sync: { status: 'Synced', revision: NEW },
        health: { status: 'Degraded' },
        operationState: synced(NEW),
        resources: [
          {
            kind: 'Deployment',
            name: 'storefront',
            health: { status: 'Degraded', message: 'Deployment "storefront" exceeded its progress deadline' },
          },
        ],
      }),
    );
    expect(await tasks.checkSync(state)).toMatchObject({
      state: 'degraded',
      message: 'Deployment storefront: Deployment "storefront" exceeded its progress deadline',
    });
  });

  it('fails the step, not the rollout, when Argo CD rejects the token', async () => {
    fake.setApp(rendered.appName, application({ sync: { status: 'Synced', revision: NEW } }));
    const other = makeDeployTasks({
      ...inMemoryDeps(),
      runs,
      build: new FakeBuild(),
      gitops: new FakeGitOps(),
      sync: createArgoCdSyncService({ url: fake.url, token: 'not-the-token' }),
      workflow: new FakeWorkflow(),
      journal: makeRunJournal({
        runs,
        logs,
        events: new RecordingPublisher(),
        clock: { now: () => new Date() },
      }),
      clock: { now: () => new Date() },
      platform: { domain: 'apps.test', imageRegistry: 'r.test', clusterIssuer: 'le', secretStore: 's' },
      limits: { turnWaits: 5, buildPolls: 5, syncChecks: 50 },
    });
    await expect(other.checkSync(state)).rejects.toMatchObject({ name: 'ArgoCdUnauthorized' });
  });

  it('counts a later head that still holds this release as its commit, but not a newer release of the app', async () => {
    const author = { name: 'Wharf', email: 'wharf@test' };
    const ours = await gitops.commit({ message: 'release 2', author, files: rendered.files });
    const other = await gitops.commit({
      message: 'another project',
      author,
      files: [{ path: 'apps/w0other/u/x/production/release.json', content: '{}' }],
    });
    const run = (await runs.get(state.projectId, state.runId)) as Run;
    await runs.replace({ ...run, gitopsCommit: ours.commit, updatedAt: '2026-01-01T00:00:01.000Z' }, run);
    const at = (revision: string) =>
      application({
        sync: { status: 'Synced', revision },
        health: { status: 'Healthy' },
        operationState: synced(revision),
        history: [{ id: 0, revision }],
      });

    // Argo CD reports the branch head, which another project's commit moved on.
    fake.setApp(rendered.appName, at(other.commit));
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'synced' });

    // A newer release of this app at the head is not this release.
    const releaseFile = rendered.files.find((f) => f.path.endsWith('/release.json'));
    const newer = await gitops.commit({
      message: 'release 3',
      author,
      files: [{ path: releaseFile?.path ?? '', content: '{"releaseId":"l0newer"}' }],
    });
    fake.setApp(rendered.appName, at(newer.commit));
    expect(await tasks.checkSync(state)).toMatchObject({ state: 'waiting' });
  });

  it('asks Argo CD to sync again while the app is not at the commit (automated sync off)', async () => {
    fake.setApp(rendered.appName, {
      ...application({
        sync: { status: 'OutOfSync', revision: NEW },
        health: { status: 'Healthy' },
        operationState: synced(OLD),
        history: [{ id: 0, revision: OLD }],
      }),
      spec: {
        project: rendered.argoProject,
        source: { repoURL: 'r', path: rendered.path, targetRevision: 'main' },
        syncPolicy: {},
      },
    });
    let sync = state;
    for (let i = 0; i < 5; i++) sync = { ...state, sync: await tasks.checkSync(sync) };
    expect(fake.syncs).toHaveLength(0);
    await tasks.checkSync(sync);
    expect(fake.syncs.map((s) => s.revision)).toEqual([NEW]);
  });
});

describe("DeployProject sync steps on Argo CD's application controller", () => {
  let controlled: FakeArgoCd;
  let head: string;
  const BROKEN = '3'.repeat(40);

  beforeEach(async () => {
    head = OLD;
    controlled = await startFakeArgoCd({
      token: TOKEN,
      controller: {
        intervalMs: 50,
        resolveRevision: () => head,
        rollout: (_name, revision) =>
          revision === BROKEN
            ? { health: 'Degraded', message: 'Deployment "storefront" exceeded its progress deadline' }
            : { health: 'Healthy' },
      },
    });
  });
  afterEach(async () => {
    await controlled.close();
  });

  /** RequestSync, then CheckSync every 20 ms (the workflow's wait, shortened) until it is not waiting. */
  async function syncStep(on: ReturnType<typeof makeDeployTasks>) {
    await on.requestSync(state);
    let sync = state;
    for (let i = 0; i < 50; i++) {
      const result = await on.checkSync(sync);
      if (result.state !== 'waiting') return result;
      sync = { ...state, sync: result };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`still waiting: ${logs.text(state.runId).join('\n')}`);
  }

  const generated = (syncPolicy?: NonNullable<AppState['spec']>['syncPolicy']): AppState => ({
    spec: {
      project: rendered.argoProject,
      source: { repoURL: 'r', path: rendered.path, targetRevision: 'main' },
      ...(syncPolicy ? { syncPolicy } : {}),
    },
  });

  it('under automated sync waits for the controller to apply the commit and for health, sending no /sync', async () => {
    controlled.setApp(rendered.appName, generated());
    await controlled.reconcile();
    head = NEW;
    expect(await syncStep(tasksOn(controlled))).toMatchObject({ state: 'synced' });
    expect(controlled.syncs).toEqual([]);
    expect(logs.text(state.runId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/sync: at commit, Synced, Progressing/)]),
    );
  });

  it('under automated sync reports a Degraded rollout of the commit for rollback', async () => {
    controlled.setApp(rendered.appName, generated());
    await controlled.reconcile();
    head = BROKEN;
    const run = (await runs.get(state.projectId, state.runId)) as Run;
    await runs.replace({ ...run, gitopsCommit: BROKEN, updatedAt: '2026-01-01T00:00:01.000Z' }, run);
    expect(await syncStep(tasksOn(controlled))).toMatchObject({
      state: 'degraded',
      message: expect.stringContaining('exceeded its progress deadline'),
    });
    expect(controlled.syncs).toEqual([]);
  });

  it('without automated sync asks for the commit once and waits for the controller to apply it', async () => {
    controlled.setApp(rendered.appName, generated({}));
    head = NEW;
    expect(await syncStep(tasksOn(controlled))).toMatchObject({ state: 'synced' });
    expect(controlled.syncs.map((s) => s.revision)).toEqual([NEW]);
  });
});
