import { describe, expect, it } from 'vitest';
import type { Release } from '../deploy.ts';
import type { Project } from '../domain.ts';
import type { DomainError } from '../errors.ts';
import { renderRelease } from '../manifests/index.ts';
import { databaseWithCredentials } from '../manifests/testing/fixtures.ts';
import type { Environment } from '../naming.ts';
import { projectSchemas } from '../schemas/project.ts';
import { alice, bob, inMemoryDeps } from '../testing/fixtures.ts';
import {
  FakeWorkflow,
  InMemoryRunLogs,
  InMemoryRuns,
  RecordingPublisher,
} from '../testing/in-memory-deploy.ts';
import { makeGetMe } from './me.ts';
import { makeCreateProject } from './projects.ts';
import { makePreviewPromotion, makeRequestPromotion, makeResumeHold } from './promotions.ts';
import { makeRunJournal } from './run-journal.ts';
import { makeCreateWorkspace } from './workspaces.ts';

const platform = { domain: 'apps.test', clusterIssuer: 'letsencrypt', secretStore: 'wharf' };
const digest = (c: string) => `sha256:${c.repeat(64)}`;

async function setup() {
  const base = inMemoryDeps();
  await makeGetMe(base)(alice);
  await makeGetMe(base)(bob);
  const ws = await makeCreateWorkspace(base)(alice, { name: 'shop' });
  const view = await makeCreateProject(base)(
    alice,
    ws.id,
    projectSchemas('local').create.parse({
      name: 'web',
      type: 'monolith',
      repository: { url: 'https://github.com/acme/web.git' },
      port: 3000,
      env: [{ name: 'NODE_ENV', value: 'production' }],
    }),
  );
  // The pipeline new projects get (set here so this test does not depend on project creation).
  const stored = base.projects.items.get(view.id) as Project;
  const project: Project = {
    ...stored,
    environments: ['staging', 'production'],
    environmentSettings: { production: { env: [{ name: 'SENTRY_DSN', secret: false, value: 'https://x' }] } },
  };
  base.projects.items.set(project.id, project);
  const runs = new InMemoryRuns();
  const workflow = new FakeWorkflow();
  const logs = new InMemoryRunLogs();
  const journal = makeRunJournal({ runs, logs, events: new RecordingPublisher(), clock: base.clock });
  const deps = { ...base, runs, turns: runs, releases: runs, workflow, journal };
  let n = 0;
  /** Records the next release of `environment` running `image`. */
  const release = (environment: Environment, fields: Partial<Release> = {}) =>
    runs.recordRelease({
      id: `l${environment}${++n}`,
      number: ((runs.envs.get(`${project.id}/${environment}`)?.releaseCount ?? 0) as number) + 1,
      workspaceId: ws.id,
      projectId: project.id,
      environment,
      runId: `r${n}`,
      kind: 'deploy',
      image: { reference: `registry.test/web:${n}`, digest: digest(String(n)) },
      sourceCommit: String(n).repeat(40),
      values: `# ${environment} ${n}\n`,
      envNames: ['NODE_ENV'],
      gitopsCommit: 'c'.repeat(40),
      gitopsPath: `apps/${ws.id}/alice/web/${environment}`,
      appName: `web-${environment}`,
      createdBy: 'alice',
      createdAt: '2026-11-22T09:00:00.000Z',
      ...fields,
    });
  return {
    deps,
    ws,
    project,
    runs,
    workflow,
    logs,
    release,
    promote: makeRequestPromotion(deps),
    preview: makePreviewPromotion({ ...deps, platform }),
    resume: makeResumeHold(deps),
  };
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const d = e as DomainError;
    return { kind: d.kind, code: d.code, field: d.field, message: d.message };
  }
  return undefined;
};

describe('promotions', () => {
  it('starts a promote run of a staging release into production, with where it came from', async () => {
    const s = await setup();
    const staging = await s.release('staging');
    const run = await s.promote(alice, s.ws.id, s.project.id, 'production', { releaseId: staging.id });
    expect(run).toMatchObject({
      kind: 'promote',
      environment: 'production',
      status: 'queued',
      trigger: 'user',
      requestedBy: 'alice',
      targetReleaseId: staging.id,
      promotedFrom: { releaseId: staging.id, environment: 'staging', number: 1 },
      source: {
        repositoryUrl: 'https://github.com/acme/web.git',
        branch: 'main',
        commit: staging.sourceCommit,
      },
      executionArn: expect.stringContaining(run.id),
    });
    expect(s.workflow.started).toEqual([
      expect.objectContaining({
        runId: run.id,
        kind: 'promote',
        environment: 'production',
        releaseId: staging.id,
        requiresApproval: false,
      }),
    ]);
    expect(s.logs.text(run.id)[0]).toBe(
      `Run ${run.id} queued: promote web release 1 from staging to production, without a build`,
    );
  });

  it('says the run waits for approval when the target requires it', async () => {
    const s = await setup();
    s.deps.projects.items.set(s.project.id, {
      ...s.project,
      environmentSettings: { production: { requiresApproval: true } },
    });
    const staging = await s.release('staging');
    await s.promote(alice, s.ws.id, s.project.id, 'production', { releaseId: staging.id });
    expect(s.workflow.started[0]?.requiresApproval).toBe(true);
  });

  it('refuses a source that is not of an earlier environment (400 naming releaseId), and nothing starts', async () => {
    const s = await setup();
    const production = await s.release('production');
    expect(
      await failure(s.promote(alice, s.ws.id, s.project.id, 'production', { releaseId: production.id })),
    ).toMatchObject({ kind: 'invalid', code: 'promotion.invalid_source', field: 'releaseId' });
    const staging = await s.release('staging');
    // staging is the first environment: nothing comes before it.
    expect(
      await failure(s.promote(alice, s.ws.id, s.project.id, 'staging', { releaseId: staging.id })),
    ).toMatchObject({ code: 'promotion.invalid_source', field: 'releaseId' });
    expect(s.workflow.started).toEqual([]);
  });

  it('answers 404 for an environment the project lacks, an unknown release and a non-member', async () => {
    const s = await setup();
    const staging = await s.release('staging');
    s.deps.projects.items.set(s.project.id, { ...s.project, environments: ['production'] });
    expect(
      await failure(s.promote(alice, s.ws.id, s.project.id, 'staging', { releaseId: staging.id })),
    ).toMatchObject({ kind: 'not_found', code: 'environment.not_found' });
    s.deps.projects.items.set(s.project.id, s.project);
    expect(
      await failure(s.promote(alice, s.ws.id, s.project.id, 'qa', { releaseId: staging.id })),
    ).toMatchObject({ kind: 'not_found', code: 'environment.not_found' });
    expect(
      await failure(s.promote(alice, s.ws.id, s.project.id, 'production', { releaseId: 'lnope' })),
    ).toMatchObject({ kind: 'not_found', code: 'release.not_found' });
    expect(
      await failure(s.promote(bob, s.ws.id, s.project.id, 'production', { releaseId: staging.id })),
    ).toMatchObject({ kind: 'not_found' });
    expect(s.workflow.started).toEqual([]);
  });

  it('answers 409 release.already_live when the target already runs that image digest', async () => {
    const s = await setup();
    const staging = await s.release('staging');
    await s.release('production', { image: staging.image, kind: 'promote' });
    expect(
      await failure(s.promote(alice, s.ws.id, s.project.id, 'production', { releaseId: staging.id })),
    ).toMatchObject({ kind: 'conflict', code: 'release.already_live' });
    // Another image in production: the promotion goes.
    await s.release('production');
    await expect(
      s.promote(alice, s.ws.id, s.project.id, 'production', { releaseId: staging.id }),
    ).resolves.toMatchObject({ kind: 'promote' });
  });
});

describe('promotion preview', () => {
  it('shows the image, the values.yaml as the promotion would render it and the env var names that change', async () => {
    const s = await setup();
    const staging = await s.release('staging');
    const live = await s.release('production', { envNames: ['NODE_ENV', 'OLD_FLAG'] });
    const preview = await s.preview(alice, s.ws.id, s.project.id, 'production', staging.id);
    const workspace = await s.deps.workspaces.get(s.ws.id);
    const rendered = renderRelease({
      workspace: workspace as NonNullable<typeof workspace>,
      project: s.project,
      environment: 'production',
      release: { id: 'preview', number: 2, runId: 'preview' },
      image: staging.image,
      platform,
    });
    expect(preview).toEqual({
      source: {
        id: staging.id,
        number: 1,
        kind: 'deploy',
        image: staging.image,
        sourceCommit: staging.sourceCommit,
        createdAt: staging.createdAt,
        createdBy: 'alice',
        promotedFrom: undefined,
        environment: 'staging',
      },
      target: 'production',
      current: expect.objectContaining({ id: live.id, number: 1 }),
      image: {
        from: `${live.image.reference}@${live.image.digest}`,
        to: `${staging.image.reference}@${staging.image.digest}`,
      },
      values: { from: live.values, to: rendered.values },
      envNames: {
        added: rendered.envNames.filter((n) => n !== 'NODE_ENV').sort(),
        removed: ['OLD_FLAG'],
        kept: ['NODE_ENV'],
      },
      requiresApproval: false,
    });
    expect(preview.values.to).toContain(staging.image.digest);
  });

  it('previews a first promotion (nothing live) and checks the source like the promotion does', async () => {
    const s = await setup();
    const staging = await s.release('staging');
    const preview = await s.preview(alice, s.ws.id, s.project.id, 'production', staging.id);
    expect(preview.current).toBeUndefined();
    expect(preview.image.from).toBeUndefined();
    expect(preview.values.from).toBeUndefined();
    expect(preview.envNames.removed).toEqual([]);
    expect(await failure(s.preview(alice, s.ws.id, s.project.id, 'staging', staging.id))).toMatchObject({
      code: 'promotion.invalid_source',
    });
    expect(await failure(s.preview(bob, s.ws.id, s.project.id, 'production', staging.id))).toMatchObject({
      kind: 'not_found',
    });
  });
});

describe('promotion preview of a project bound to a database', () => {
  it('renders the binding as the promotion would, and answers 409 naming a binding whose database is gone', async () => {
    const s = await setup();
    const database = {
      ...databaseWithCredentials,
      workspaceId: s.ws.id,
      credentials: {
        production: {
          ...(databaseWithCredentials.credentials?.production as NonNullable<
            NonNullable<typeof databaseWithCredentials.credentials>['production']
          >),
          urlRef: `wharf/${s.ws.id}/${databaseWithCredentials.id}/production/database-url`,
        },
      },
    };
    s.deps.projects.items.set(database.id, database);
    s.deps.projects.items.set(s.project.id, {
      ...s.project,
      databases: [{ projectId: database.id, env: 'DATABASE_URL' }],
    } as Project);
    const staging = await s.release('staging');
    const preview = await s.preview(alice, s.ws.id, s.project.id, 'production', staging.id);
    expect(preview.envNames.added).toContain('DATABASE_URL');
    expect(preview.values.to).toContain(`wharf/${s.ws.id}/${database.id}/production/database-url`);

    s.deps.projects.items.delete(database.id);
    expect(await failure(s.preview(alice, s.ws.id, s.project.id, 'production', staging.id))).toMatchObject({
      kind: 'conflict',
      code: 'project.database_gone',
      message: expect.stringContaining(`DATABASE_URL is bound to database ${database.id}`),
    });
  });
});

describe('resuming a hold', () => {
  it('clears the environment’s hold; a member only; unknown environments are not found', async () => {
    const s = await setup();
    await s.runs.setHold(s.project.id, 'production', { by: 'alice', at: 'now', runId: 'r1' });
    expect(await failure(s.resume(bob, s.ws.id, s.project.id, 'production'))).toMatchObject({
      kind: 'not_found',
    });
    expect((await s.runs.getEnvironment(s.project.id, 'production')).hold).toBeDefined();
    expect(await failure(s.resume(alice, s.ws.id, s.project.id, 'qa'))).toMatchObject({
      code: 'environment.not_found',
    });
    await s.resume(alice, s.ws.id, s.project.id, 'production');
    expect((await s.runs.getEnvironment(s.project.id, 'production')).hold).toBeUndefined();
    // Resuming again is a no-op.
    await expect(s.resume(alice, s.ws.id, s.project.id, 'production')).resolves.toBeUndefined();
  });
});
