import { describe, expect, it } from 'vitest';
import { githubDelivery } from '../../events/load.ts';
import type { Release } from '../deploy.ts';
import type { WebhookDeliveries } from '../deploy-ports.ts';
import type { EnvironmentSettings, MonolithProject } from '../domain.ts';
import type { Environment } from '../naming.ts';
import { inMemoryDeps } from '../testing/fixtures.ts';
import {
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../testing/in-memory-deploy.ts';
import { makeRunJournal } from './run-journal.ts';
import { makeHandleGithubEvent } from './webhooks.ts';

const REPO = 'https://github.com/Codertocat/Hello-World.git';
/** The commit the tag sample points to (head_commit.id); its `after` is the annotated tag's object. */
const TAGGED = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

class Deliveries implements WebhookDeliveries {
  readonly seen = new Set<string>();
  async claim(id: string) {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }
}

function setup() {
  const base = inMemoryDeps();
  const runs = new InMemoryRuns();
  const workflow = new FakeWorkflow();
  const journal = makeRunJournal({
    runs,
    logs: new InMemoryRunLogs(),
    events: new RecordingPublisher(),
    clock: base.clock,
  });
  const handle = makeHandleGithubEvent({
    ...base,
    runs,
    releases: runs,
    turns: runs,
    deliveries: new Deliveries(),
    workflow,
    journal,
  });
  let n = 0;
  const addProject = (fields: Partial<MonolithProject> = {}): MonolithProject => {
    const project: MonolithProject = {
      id: `p${++n}`,
      workspaceId: 'w1',
      name: `app${n}`,
      type: 'monolith',
      repository: { url: REPO, branch: 'master' },
      port: 3000,
      autoDeploy: true,
      replicas: 1,
      healthCheckPath: '/',
      environments: ['staging', 'production'],
      env: [],
      createdBy: 'alice',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      revision: 1,
      ...fields,
    };
    base.projects.items.set(project.id, project);
    return project;
  };
  const addRelease = (project: MonolithProject, environment: Environment, fields: Partial<Release> = {}) =>
    runs.recordRelease({
      id: `l${++n}`,
      number: (runs.envs.get(`${project.id}/${environment}`)?.releaseCount ?? 0) + 1,
      workspaceId: project.workspaceId,
      projectId: project.id,
      environment,
      runId: `r${n}`,
      kind: 'deploy',
      image: { reference: `registry.test/app:${n}`, digest: `sha256:${String(n % 10).repeat(64)}` },
      sourceCommit: TAGGED,
      values: '',
      envNames: [],
      gitopsCommit: 'c'.repeat(40),
      gitopsPath: `apps/w1/alice/${project.name}/${environment}`,
      appName: `${project.name}-${environment}`,
      createdBy: 'alice',
      createdAt: '2026-01-01T00:00:00.000Z',
      ...fields,
    });
  const deliver = (
    name: 'push' | 'push-tag',
    change: (p: Record<string, unknown>, h: Record<string, string>) => void = () => {},
  ) => {
    const d = githubDelivery(name, 'secret', change);
    return handle({
      event: 'push',
      deliveryId: d.headers['X-GitHub-Delivery'] as string,
      payload: d.payload,
    });
  };
  const run = (id: string) => runs.get('', id);
  return { base, runs, workflow, addProject, addRelease, deliver, run };
}

const settings = (s: Partial<Record<Environment, EnvironmentSettings>>) => ({ environmentSettings: s });

describe('GitHub push to a branch', () => {
  it('deploys each environment with the push trigger (staging), not the tag-triggered production', async () => {
    const s = setup();
    const project = s.addProject();
    const result = await s.deliver('push');
    expect(result).toEqual({
      outcome: 'deployed',
      deployments: [
        {
          workspaceId: 'w1',
          projectId: project.id,
          environment: 'staging',
          runId: expect.any(String),
          kind: 'deploy',
        },
      ],
      skipped: [],
    });
    expect(s.workflow.started).toEqual([
      expect.objectContaining({ environment: 'staging', kind: 'deploy', commit: TAGGED }),
    ]);
  });

  it('records the pushed commit’s message (first line) and author on the run, from head_commit', async () => {
    const s = setup();
    s.addProject();
    const result = await s.deliver('push', (p) => {
      (p.head_commit as { message: string }).message = 'Fix header\n\nThe logo overlapped the menu.';
    });
    const runId = (result as { deployments: Array<{ runId: string }> }).deployments[0]?.runId as string;
    expect((await s.run(runId))?.commit).toEqual({
      sha: TAGGED,
      message: 'Fix header',
      author: 'Codertocat',
    });
  });

  it('deploys production of a project that has only production (as before environments)', async () => {
    const s = setup();
    s.addProject({ environments: ['production'] });
    const result = await s.deliver('push');
    expect(result).toMatchObject({ deployments: [{ environment: 'production', kind: 'deploy' }] });
  });

  it('skips an environment on hold and says why; the others deploy', async () => {
    const s = setup();
    const project = s.addProject(settings({ production: { trigger: 'push' } }));
    await s.runs.setHold(project.id, 'production', {
      by: 'alice',
      at: '2026-11-22T10:00:00.000Z',
      runId: 'r9',
      reason: 'bad release',
    });
    const result = await s.deliver('push');
    expect(result).toEqual({
      outcome: 'deployed',
      deployments: [expect.objectContaining({ environment: 'staging' })],
      skipped: [
        {
          workspaceId: 'w1',
          projectId: project.id,
          environment: 'production',
          reason:
            'on hold since 2026-11-22T10:00:00.000Z: rolled back by alice (bad release); resume auto-deploy to deploy it again',
        },
      ],
    });
    expect(s.workflow.started.map((w) => w.environment)).toEqual(['staging']);
  });

  it('leaves projects with auto-deploy off, manual environments and other branches alone', async () => {
    const s = setup();
    s.addProject({ autoDeploy: false });
    s.addProject(settings({ staging: { trigger: 'manual' } }));
    s.addProject({ repository: { url: REPO, branch: 'develop' } });
    expect(await s.deliver('push')).toEqual({ outcome: 'deployed', deployments: [], skipped: [] });
    expect(s.workflow.started).toEqual([]);
  });
});

describe('GitHub push of a tag', () => {
  it('promotes the staging release built from the tagged commit (head_commit, not the annotated tag’s object): no build', async () => {
    const s = setup();
    const project = s.addProject();
    const staging = await s.addRelease(project, 'staging');
    await s.addRelease(project, 'staging', { sourceCommit: 'f'.repeat(40) });
    const result = await s.deliver('push-tag');
    expect(result).toEqual({
      outcome: 'deployed',
      deployments: [
        {
          workspaceId: 'w1',
          projectId: project.id,
          environment: 'production',
          runId: expect.any(String),
          kind: 'promote',
        },
      ],
      skipped: [],
    });
    const runId = (result as { deployments: Array<{ runId: string }> }).deployments[0]?.runId as string;
    expect(await s.run(runId)).toMatchObject({
      kind: 'promote',
      trigger: 'webhook',
      requestedBy: 'github:Codertocat',
      targetReleaseId: staging.id,
      promotedFrom: { releaseId: staging.id, environment: 'staging', number: 1 },
      // The title's "Promote #1 from staging", with the commit it runs.
      target: { releaseNumber: 1, environment: 'staging', commit: { sha: TAGGED } },
      commit: { sha: TAGGED },
    });
    expect(s.workflow.started).toEqual([
      expect.objectContaining({ kind: 'promote', environment: 'production', releaseId: staging.id }),
    ]);
  });

  it('builds the tagged commit when no earlier environment has a release of it', async () => {
    const s = setup();
    const project = s.addProject();
    await s.addRelease(project, 'staging', { sourceCommit: 'f'.repeat(40) });
    const result = await s.deliver('push-tag');
    expect(result).toMatchObject({ deployments: [{ environment: 'production', kind: 'deploy' }] });
    expect(s.workflow.started).toEqual([
      expect.objectContaining({ kind: 'deploy', environment: 'production', commit: TAGGED }),
    ]);
    const runId = (result as { deployments: Array<{ runId: string }> }).deployments[0]?.runId as string;
    expect((await s.run(runId))?.commit).toEqual({
      sha: TAGGED,
      message: 'Initial commit',
      author: 'Codertocat',
    });
  });

  it('finds projects by repository whatever branch they track, and only environments whose pattern matches', async () => {
    const s = setup();
    const develop = s.addProject({ repository: { url: REPO, branch: 'develop' } });
    s.addProject(settings({ production: { tagPattern: 'release-*' } }));
    const result = await s.deliver('push-tag');
    expect(result).toMatchObject({
      deployments: [{ projectId: develop.id, environment: 'production' }],
      skipped: [],
    });
    expect(s.workflow.started).toHaveLength(1);
    // A tag that matches no pattern starts nothing.
    const other = await s.deliver('push-tag', (p, h) => {
      p.ref = 'refs/tags/nightly';
      h['X-GitHub-Delivery'] = 'nightly-1';
    });
    expect(other).toEqual({ outcome: 'deployed', deployments: [], skipped: [] });
  });

  it('skips a held production, and one that already runs the tagged release’s image', async () => {
    const s = setup();
    const held = s.addProject();
    await s.addRelease(held, 'staging');
    await s.runs.setHold(held.id, 'production', { by: 'bob', at: 'then', runId: 'r1' });
    const live = s.addProject();
    const staging = await s.addRelease(live, 'staging');
    await s.addRelease(live, 'production', { image: staging.image, kind: 'promote' });
    const result = await s.deliver('push-tag');
    expect(result).toMatchObject({
      deployments: [],
      skipped: [
        {
          projectId: held.id,
          environment: 'production',
          reason: expect.stringContaining('on hold since then'),
        },
        {
          projectId: live.id,
          environment: 'production',
          reason: `already runs the image of release 1 of staging (built from ${TAGGED.slice(0, 12)})`,
        },
      ],
    });
    expect(s.workflow.started).toEqual([]);
  });

  it('ignores a deleted tag and starts nothing twice for a redelivery', async () => {
    const s = setup();
    s.addProject();
    expect(
      await s.deliver('push-tag', (p) => {
        p.deleted = true;
        p.after = '0'.repeat(40);
      }),
    ).toEqual({ outcome: 'ignored', reason: 'tag deleted' });
    await s.deliver('push-tag');
    expect(await s.deliver('push-tag')).toMatchObject({ outcome: 'duplicate' });
    expect(s.workflow.started).toHaveLength(1);
  });
});
