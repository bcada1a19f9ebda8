import { describe, expect, it } from 'vitest';
import type { Run } from '../../deploy.ts';
import { renderRelease, renderWorkspaceBootstrap } from '../../manifests/index.ts';
import { databaseWithCredentials, parseManifests } from '../../manifests/testing/fixtures.ts';
import { FakeGitOps } from '../../testing/in-memory-deploy.ts';
import { failure, platform, workflowRuns } from '../../testing/workflow-runs.ts';
import { TEST_BOOTSTRAP } from '../../testing/workflow-tasks.ts';
import { makeCommitDesiredState } from './commit-desired-state.ts';
import { releaseIdFor } from './run-context.ts';

const digest = `sha256:${'e'.repeat(64)}`;
const built = { reference: 'registry.test/storefront:b-9', digest };

function setup() {
  const w = workflowRuns();
  const gitops = new FakeGitOps();
  const commitDesiredState = makeCommitDesiredState({
    runs: w.runs,
    turns: w.runs,
    releases: w.runs,
    projects: w.projects,
    workspaces: w.workspaces,
    users: w.users,
    gitops,
    journal: w.journal,
    platform,
    bootstrap: TEST_BOOTSTRAP,
  });
  /** A deploy whose build pushed `built`. */
  const pushed = (fields: Partial<Run> = {}) =>
    w.addRun(w.monolith, { status: 'pushing', image: built, sourceCommit: 'd'.repeat(40), ...fields });
  const filesOf = (commit: string | undefined) =>
    Object.fromEntries(
      gitops.commits.find((c) => c.id === commit)?.change.files.map((f) => [f.path, f.content]) ?? [],
    );
  return { ...w, gitops, commitDesiredState, pushed, filesOf };
}

describe('CommitDesiredState', () => {
  it('renders the release after the current one and commits it with a message and the requester as author', async () => {
    const s = setup();
    await s.addRelease(s.gitops);
    const run = await s.pushed();
    const result = await s.commitDesiredState(s.stateOf(run));
    const commit = s.gitops.commits[1];
    const id = releaseIdFor(run.id);
    expect(result).toEqual({ commit: commit?.id, releaseId: id, number: 2 });
    const expected = renderRelease({
      workspace: s.workspace,
      project: s.monolith,
      environment: 'production',
      release: { id, number: 2, runId: run.id },
      image: built,
      platform,
    });
    expect(commit?.change.message).toBe(
      `Deploy storefront (production) release 2\n\nImage ${built.reference}@${digest}, run ${run.id}, by alice.`,
    );
    expect(commit?.change.author).toEqual({ name: 'Alice Example', email: 'alice@example.com' });
    // The release's files (the workspace's bootstrap file, missing here, goes in the same commit).
    expect(commit?.change.files.filter((f) => f.path.startsWith('apps/'))).toEqual(expected.files);
    const after = await s.reload(run);
    expect(after).toMatchObject({
      status: 'updating_gitops',
      gitopsCommit: commit?.id,
      image: built,
      sourceCommit: 'd'.repeat(40),
      pendingRelease: {
        id,
        number: 2,
        gitopsPath: expected.path,
        appName: expected.appName,
        namespace: expected.namespace,
        values: expected.values,
        envNames: expected.envNames,
        liveUrl: expected.liveUrl,
      },
    });
    expect(after.pendingRelease?.rollbackOf).toBeUndefined();
    expect(after.steps.map((st) => `${st.name}:${st.status}`).slice(-2)).toEqual([
      'push:succeeded',
      'gitops:running',
    ]);
    expect(s.log(run)).toEqual([
      `Writing the workspace's Argo CD project and namespaces with this release (bootstrap/workspaces/${s.workspace.id}.yaml)`,
      `✔ Committed release 2 to GitOps: ${commit?.id.slice(0, 12)} (${expected.path})`,
    ]);
  });

  it('rewrites a workspace bootstrap file that predates a kind releases now contain, and leaves a current one alone', async () => {
    const s = setup();
    const current = renderWorkspaceBootstrap(TEST_BOOTSTRAP, s.workspace);
    // As written before backups existed: the AppProject did not allow CronJobs.
    const outdated = current.content.replace(/\n\s*- group: batch\n\s*kind: CronJob/, '');
    expect(outdated).not.toBe(current.content);
    await s.gitops.commit({
      message: 'old bootstrap',
      author: { name: 'Wharf', email: 'wharf@test' },
      files: [{ path: current.path, content: outdated }],
    });
    const { commit } = await s.commitDesiredState(s.stateOf(await s.pushed()));
    expect(s.filesOf(commit)[current.path]).toBe(current.content);

    const again = await s.commitDesiredState(s.stateOf(await s.pushed()));
    expect(Object.keys(s.filesOf(again.commit))).not.toContain(current.path);
  });

  it('passes through pushing when the build ended without a push phase', async () => {
    const s = setup();
    const run = await s.pushed({ status: 'building' });
    await s.commitDesiredState(s.stateOf(run));
    const after = await s.reload(run);
    expect(after.status).toBe('updating_gitops');
    expect(after.steps.map((st) => `${st.name}:${st.status}`)).toEqual([
      'queue:succeeded',
      'build:succeeded',
      'push:succeeded',
      'gitops:running',
    ]);
  });

  it('returns the same commit on a retry without committing again', async () => {
    const s = setup();
    const run = await s.pushed();
    const first = await s.commitDesiredState(s.stateOf(run));
    expect(first.number).toBe(1);
    const stored = await s.reload(run);
    const logged = s.log(run).length;
    expect(logged).toBeGreaterThan(0);
    expect(await s.commitDesiredState(s.stateOf(run))).toEqual(first);
    expect(s.gitops.commits).toHaveLength(1);
    expect(await s.reload(run)).toEqual(stored);
    expect(s.log(run)).toHaveLength(logged);
  });

  it('deploys a database with its engine’s image, without a digest', async () => {
    const s = setup();
    const run = await s.addRun(s.database, { status: 'updating_gitops' });
    await s.commitDesiredState(s.stateOf(run));
    const image = { reference: 'postgres:16', digest: '' };
    expect(await s.reload(run)).toMatchObject({ status: 'updating_gitops', image });
    expect(s.gitops.commits[0]?.change.message).toBe(
      `Deploy orders-db (production) release 1\n\nImage postgres:16, run ${run.id}, by alice.`,
    );
    const release = Object.entries(s.filesOf(s.gitops.commits[0]?.id)).find(([p]) =>
      p.endsWith('release.json'),
    );
    expect(JSON.parse(release?.[1] ?? '{}')).toMatchObject({ projectName: 'orders-db', releaseNumber: 1 });
  });

  it('commits a webhook deploy, or one by an unknown user, as its requester id', async () => {
    const s = setup();
    const hook = await s.pushed({ trigger: 'webhook', requestedBy: 'github|4242' });
    await s.commitDesiredState(s.stateOf(hook));
    expect(s.gitops.commits[0]?.change.author).toEqual({
      name: 'github|4242',
      email: 'github-4242@users.wharf.invalid',
    });
    const nobody = await s.pushed({ requestedBy: 'carol' });
    await s.commitDesiredState(s.stateOf(nobody));
    expect(s.gitops.commits[1]?.change.author).toEqual({
      name: 'carol',
      email: 'carol@users.wharf.invalid',
    });
  });

  it('fails with NoImage when a deploy has no built image', async () => {
    const s = setup();
    const run = await s.pushed({ image: undefined });
    expect(await failure(s.commitDesiredState(s.stateOf(run)))).toEqual({
      name: 'NoImage',
      message: 'There is no image to deploy.',
    });
    expect(s.gitops.commits).toHaveLength(0);
    expect((await s.reload(run)).gitopsCommit).toBeUndefined();
  });

  it('fails with ProjectGone when the project was deleted', async () => {
    const s = setup();
    const run = await s.pushed();
    await s.projects.delete(s.monolith, '2026-11-22T11:00:00.000Z', []);
    expect(await failure(s.commitDesiredState(s.stateOf(run)))).toMatchObject({ name: 'ProjectGone' });
    expect(s.gitops.commits).toHaveLength(0);
  });

  describe('a project bound to databases', () => {
    const bind = (s: ReturnType<typeof setup>, databaseId: string) =>
      s.projects.items.set(s.monolith.id, {
        ...structuredClone(s.monolith),
        databases: [{ projectId: databaseId, env: 'DATABASE_URL' }],
      });

    it('renders the bound database of the same workspace into the release, by reference', async () => {
      const s = setup();
      s.projects.items.set(databaseWithCredentials.id, structuredClone(databaseWithCredentials));
      bind(s, databaseWithCredentials.id);
      const run = await s.pushed();
      const { commit } = await s.commitDesiredState(s.stateOf(run));
      const manifests = Object.entries(s.filesOf(commit)).find(([path]) => path.endsWith('/manifests.yaml'));
      const objects = parseManifests(manifests?.[1] ?? '');
      const secret = objects.find((o) => o.metadata.name === 'storefront-databases');
      expect(secret?.spec.data).toEqual([
        {
          secretKey: 'DATABASE_URL',
          remoteRef: { key: 'wharf/w0abc123def45/p0data0000001/production/database-url' },
        },
      ]);
      expect((await s.reload(run)).pendingRelease?.envNames).toContain('DATABASE_URL');
    });

    it('fails naming the binding when its database was deleted, and commits nothing', async () => {
      const s = setup();
      s.projects.items.set(databaseWithCredentials.id, structuredClone(databaseWithCredentials));
      bind(s, databaseWithCredentials.id);
      await s.projects.delete(databaseWithCredentials, '2026-11-22T11:00:00.000Z', []);
      const run = await s.pushed();
      const failed = await failure(s.commitDesiredState(s.stateOf(run)));
      expect(failed?.name).toBe('BoundDatabaseGone');
      expect(failed?.message).toContain(`DATABASE_URL is bound to database ${databaseWithCredentials.id}`);
      expect(s.gitops.commits).toHaveLength(0);
    });

    it('fails saying to deploy the database when it has no credentials for the environment', async () => {
      const s = setup();
      // The shared fixture's database is from before credentials: none for production.
      bind(s, s.database.id);
      const run = await s.pushed();
      const failed = await failure(s.commitDesiredState(s.stateOf(run)));
      expect(failed?.name).toBe('BoundDatabaseNotReady');
      expect(failed?.message).toMatch(/orders-db has no production credentials.*deploy it/);
      expect(s.gitops.commits).toHaveLength(0);
    });
  });

  describe('a promotion', () => {
    /** The monolith with staging before production, and a staging release built from `commit`. */
    async function staged(s: ReturnType<typeof setup>) {
      const project = { ...s.monolith, environments: ['staging' as const, 'production' as const] };
      s.projects.items.set(project.id, structuredClone(project));
      const image = { reference: 'registry.test/storefront:staged', digest: `sha256:${'5'.repeat(64)}` };
      const source = await s.runs.recordRelease({
        ...(await s.addRelease(s.gitops, s.monolith, { image })),
        id: 'l-staging-1',
        environment: 'staging',
        number: 1,
        sourceCommit: '7'.repeat(40),
      });
      return { project, source, image };
    }

    it('renders the target’s files from the project and the source release’s image, in one commit, without a build', async () => {
      const s = setup();
      const { project, source, image } = await staged(s);
      const commitsBefore = s.gitops.commits.length;
      const run = await s.addRun(project, {
        kind: 'promote',
        status: 'updating_gitops',
        targetReleaseId: source.id,
        promotedFrom: { releaseId: source.id, environment: 'staging', number: 1 },
      });
      const id = releaseIdFor(run.id);
      const result = await s.commitDesiredState(s.stateOf(run));
      expect(s.gitops.commits).toHaveLength(commitsBefore + 1);
      const commit = s.gitops.commits.at(-1);
      // Production had one release (addRelease seeds it there too): this is its second.
      expect(result).toEqual({ commit: commit?.id, releaseId: id, number: 2 });
      const expected = renderRelease({
        workspace: s.workspace,
        project,
        environment: 'production',
        release: { id, number: 2, runId: run.id },
        image,
        platform,
      });
      expect(commit?.change.files.filter((f) => f.path.startsWith('apps/'))).toEqual(expected.files);
      expect(commit?.change.message).toBe(
        `Promote storefront release 1 from staging to production\n\nRelease 2 of production, image ${image.reference}@${image.digest} (not rebuilt), run ${run.id}, by alice.`,
      );
      const after = await s.reload(run);
      expect(after).toMatchObject({
        gitopsCommit: commit?.id,
        image,
        sourceCommit: '7'.repeat(40),
        pendingRelease: {
          id,
          number: 2,
          values: expected.values,
          promotedFrom: { releaseId: source.id, environment: 'staging', number: 1 },
        },
      });
      expect(s.log(run)[0]).toBe(
        `Promoting release 1 of staging (${image.reference}) to production without a build`,
      );
    });

    it('uses the source’s image even when the run carries another (a promotion never deploys a build)', async () => {
      const s = setup();
      const { project, source, image } = await staged(s);
      const run = await s.addRun(project, {
        kind: 'promote',
        status: 'updating_gitops',
        targetReleaseId: source.id,
        image: built,
      });
      await s.commitDesiredState(s.stateOf(run));
      expect((await s.reload(run)).image).toEqual(image);
    });

    it('fails with ReleaseNotFound when the source release is gone', async () => {
      const s = setup();
      const run = await s.addRun(s.monolith, {
        kind: 'promote',
        status: 'updating_gitops',
        targetReleaseId: 'l-gone',
      });
      expect(await failure(s.commitDesiredState(s.stateOf(run)))).toEqual({
        name: 'ReleaseNotFound',
        message: 'Release l-gone no longer exists.',
      });
      expect(s.gitops.commits).toHaveLength(0);
    });
  });

  describe('a rollback', () => {
    it('puts the reason given in the commit message and the pending release', async () => {
      const s = setup();
      const target = await s.addRelease(s.gitops);
      await s.addRelease(s.gitops);
      const run = await s.addRun(s.monolith, {
        kind: 'rollback',
        status: 'updating_gitops',
        targetReleaseId: target.id,
        reason: 'checkout fails for EU cards',
      });
      await s.commitDesiredState(s.stateOf(run));
      expect(s.gitops.commits[2]?.change.message).toBe(
        `Roll back storefront (production) to release 1\n\nReason: checkout fails for EU cards\n\nRelease 3, run ${run.id}, by alice.`,
      );
      expect((await s.reload(run)).pendingRelease?.reason).toBe('checkout fails for EU cards');
    });

    it('re-commits the target release’s files as a new release, with release.json rewritten', async () => {
      const s = setup();
      const target = await s.addRelease(s.gitops);
      await s.addRelease(s.gitops);
      const run = await s.addRun(s.monolith, {
        kind: 'rollback',
        status: 'updating_gitops',
        targetReleaseId: target.id,
        source: undefined,
      });
      const id = releaseIdFor(run.id);
      expect(await s.commitDesiredState(s.stateOf(run))).toEqual({
        commit: s.gitops.commits[2]?.id,
        releaseId: id,
        number: 3,
      });
      const old = s.filesOf(target.gitopsCommit);
      const committed = s.filesOf(s.gitops.commits[2]?.id);
      const path = (name: string) => `${target.gitopsPath}/${name}`;
      const inApp = (files: Record<string, string>) =>
        Object.keys(files)
          .filter((p) => p.startsWith(`${target.gitopsPath}/`))
          .sort();
      expect(inApp(committed)).toEqual(inApp(old));
      expect(committed[path('values.yaml')]).toBe(old[path('values.yaml')]);
      expect(committed[path('manifests.yaml')]).toBe(old[path('manifests.yaml')]);
      const identity = JSON.parse(committed[path('release.json')] ?? '{}');
      expect(identity).toEqual({
        ...JSON.parse(old[path('release.json')] ?? '{}'),
        releaseId: id,
        releaseNumber: 3,
        runId: run.id,
        rollbackOf: target.id,
      });
      expect(s.gitops.commits[2]?.change.message).toBe(
        `Roll back storefront (production) to release 1\n\nRelease 3, run ${run.id}, by alice.`,
      );
      const after = await s.reload(run);
      expect(after).toMatchObject({
        gitopsCommit: s.gitops.commits[2]?.id,
        image: target.image,
        sourceCommit: target.sourceCommit,
        pendingRelease: {
          id,
          number: 3,
          gitopsPath: target.gitopsPath,
          appName: target.appName,
          namespace: identity.namespace,
          values: target.values,
          envNames: target.envNames,
          liveUrl: target.liveUrl,
          rollbackOf: target.id,
        },
      });
      expect(identity.namespace).toEqual(expect.any(String));
      expect(s.log(run)[0]).toBe(`Restoring release 1 (${target.image.reference}) without a build`);
    });

    it('fails with ReleaseNotFound when the target release is gone', async () => {
      const s = setup();
      const run = await s.addRun(s.monolith, {
        kind: 'rollback',
        status: 'updating_gitops',
        targetReleaseId: 'l-gone',
      });
      expect(await failure(s.commitDesiredState(s.stateOf(run)))).toEqual({
        name: 'ReleaseNotFound',
        message: 'Release l-gone no longer exists.',
      });
      expect(s.gitops.commits).toHaveLength(0);
    });

    it('fails with ReleaseUnreadable when one of the target’s files is missing', async () => {
      const s = setup();
      const target = await s.addRelease(s.gitops, s.monolith, { omit: 'values.yaml' });
      const run = await s.addRun(s.monolith, {
        kind: 'rollback',
        status: 'updating_gitops',
        targetReleaseId: target.id,
      });
      expect(await failure(s.commitDesiredState(s.stateOf(run)))).toEqual({
        name: 'ReleaseUnreadable',
        message: `${target.gitopsPath}/values.yaml is missing at ${target.gitopsCommit.slice(0, 12)}.`,
      });
      expect(s.gitops.commits).toHaveLength(1);
      expect((await s.reload(run)).gitopsCommit).toBeUndefined();
    });
  });
});
