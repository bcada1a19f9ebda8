import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { githubDelivery } from '../../events/load.ts';
import type { EnvironmentView, ProjectView } from '../../shared/api.ts';
import type { Release, Run } from '../../shared/deploy.ts';
import { type ApiClient, signIn, waitForRun } from './testing/api-client.ts';
import { isolatedGitEnv } from './testing/git-env.ts';
import { getLive } from './testing/live-client.ts';

/**
 * Issue 13's acceptance, as a new user walks it on the local platform: a project from the Node sample
 * gets staging and production; a staging release is promoted to production by its digest (no build,
 * one GitOps commit); production's approval is given by another owner; a pushed tag of a commit
 * staging runs reaches production without a build; a rollback holds production's auto-deploy until
 * resumed; the two environments render their own variables.
 *
 * The project's repository is a copy of the Node sample of its own (the shared samples are changed by
 * other test files while this one runs).
 */

const exec = promisify(execFile);
const stack = inject('wharf');
const REPO = 'pipeline-web';
let alice: ApiClient;
let bob: ApiClient;
let workspaceId: string;
let repoUrl: string;
let workDir: string;
let deliveries = 0;

const gitEnv = isolatedGitEnv(tmpdir());
const git = async (...args: string[]) =>
  (await exec('git', args, { cwd: workDir, env: { ...gitEnv, HOME: workDir } })).stdout.trim();
const gitops = async (...args: string[]) =>
  (
    await exec('git', ['--git-dir', join(stack.dataDir, 'gitops.git'), ...args], { env: gitEnv })
  ).stdout.trim();
const gitopsCommits = async () => Number(await gitops('rev-list', '--count', 'HEAD'));

/** Sends a push delivery as GitHub would: a branch push or a (lightweight) tag push of `commit`. */
async function push(ref: string, commit: string) {
  deliveries += 1;
  const { headers, body } = githubDelivery('push', stack.webhookSecret, (payload, h) => {
    payload.ref = ref;
    payload.after = commit;
    payload.created = ref.startsWith('refs/tags/');
    // A lightweight tag's push names the commit in both (an annotated tag's `after` is the tag object).
    payload.head_commit = { ...(payload.head_commit as Record<string, unknown>), id: commit };
    (payload.repository as Record<string, unknown>).clone_url = repoUrl;
    h['X-GitHub-Delivery'] = `5f0c1a2e-0000-4000-8000-${String(deliveries).padStart(12, '0')}`;
  });
  const res = await fetch(`${stack.url}/api/webhooks/github`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function commitChange(message: string) {
  await git('commit', '--allow-empty', '--quiet', '-m', message);
  await git('push', '--quiet', 'origin', 'main');
  return git('rev-parse', 'HEAD');
}

beforeAll(async () => {
  [alice, bob] = await Promise.all([signIn(stack, 'alice'), signIn(stack, 'bob')]);
  await bob.get('/api/me');
  workspaceId = (await alice.post('/api/workspaces', { name: 'pipeline' })).body.id;
  expect(
    (await alice.post(`/api/workspaces/${workspaceId}/members`, { userId: 'bob', role: 'owner' })).status,
  ).toBe(201);
  // A repository of its own, served by the gateway like the samples: `<dataDir>/git/<name>.git`.
  workDir = await mkdtemp(join(tmpdir(), 'wharf-pipeline-'));
  await cp(fileURLToPath(new URL('../../samples/node-web', import.meta.url)), workDir, { recursive: true });
  const bare = join(stack.dataDir, 'git', `${REPO}.git`);
  await git('init', '--quiet', '--initial-branch=main');
  await git('add', '--all');
  await git('commit', '--quiet', '-m', 'The Node sample');
  await exec('git', ['clone', '--quiet', '--bare', workDir, bare], { env: gitEnv });
  await git('remote', 'add', 'origin', bare);
  repoUrl = `${stack.url}/git/${REPO}.git`;
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('staging and production (issue 13 acceptance)', () => {
  it('promotes, waits for another owner, releases tags without a build and holds after a rollback', async () => {
    // 1. A new project has staging and production, each with its namespace and URL.
    const created = await alice.post<ProjectView>(`/api/workspaces/${workspaceId}/projects`, {
      name: 'shop',
      type: 'monolith',
      repository: { url: repoUrl, branch: 'main' },
      port: 3000,
      healthCheckPath: '/healthz',
      autoDeploy: true,
      env: [{ name: 'GREETING', value: 'hello from production' }],
    });
    expect(created.status).toBe(201);
    const project = created.body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;
    expect(project.pipeline.map((e) => e.name)).toEqual(['staging', 'production']);
    const [stagingView, productionView] = project.pipeline as [EnvironmentView, EnvironmentView];
    expect(stagingView.namespace).toBe(`${productionView.namespace}-staging`);
    expect(stagingView.liveUrl).not.toBe(productionView.liveUrl);

    // Staging says something else: an override of the project's variable.
    const patched = await alice.patch<EnvironmentView>(`${base}/environments/staging`, {
      env: [{ name: 'GREETING', value: 'hello from staging' }],
    });
    expect(patched.status).toBe(200);

    // 2. Deploy staging.
    const stagingRun = await alice.post<Run>(`${base}/deployments`, { environment: 'staging' });
    expect(stagingRun.status).toBe(202);
    const staged = await waitForRun(alice, stagingRun.body, 90_000);
    expect(staged.status, staged.failureReason).toBe('deployed');
    const stagingRelease = (await alice.get<{ items: Release[] }>(`${base}/releases?environment=staging`))
      .body.items[0] as Release;
    const stagingPage = await getLive(stagingRelease.liveUrl as string);
    expect(stagingPage.body).toContain('hello from staging');

    // 3. Promote that release: no build, the same digest, one GitOps commit, production serves it.
    const preview = await alice.get(
      `${base}/environments/production/promotions/preview?releaseId=${stagingRelease.id}`,
    );
    expect(preview.status).toBe(200);
    expect(preview.body.image.to).toContain(stagingRelease.image.reference);
    const commitsBefore = await gitopsCommits();
    const promotion = await alice.post<Run>(`${base}/environments/production/promotions`, {
      releaseId: stagingRelease.id,
    });
    expect(promotion.status).toBe(202);
    expect(promotion.body.kind).toBe('promote');
    const promoted = await waitForRun(alice, promotion.body, 60_000);
    expect(promoted.status, promoted.failureReason).toBe('deployed');
    expect(promoted.steps.map((s) => s.name)).not.toContain('build');
    expect(await gitopsCommits()).toBe(commitsBefore + 1);
    const productionRelease = (
      await alice.get<{ items: Release[] }>(`${base}/releases?environment=production`)
    ).body.items[0] as Release;
    expect(productionRelease.image.digest).toBe(stagingRelease.image.digest);
    expect(productionRelease.promotedFrom).toMatchObject({
      releaseId: stagingRelease.id,
      environment: 'staging',
    });
    const productionPage = await getLive(productionRelease.liveUrl as string);
    expect(productionPage.status).toBe(200);
    expect(productionPage.body).toContain('hello from production');
    const version = (page: string) => /Version ([^<]+)/.exec(page)?.[1];
    expect(version(productionPage.body)).toBe(version(stagingPage.body));

    // The two environments render their own variables.
    const stagingValues = await gitops('show', `HEAD:${stagingRelease.gitopsPath}/manifests.yaml`);
    const productionValues = await gitops('show', `HEAD:${productionRelease.gitopsPath}/manifests.yaml`);
    expect(stagingValues).toContain('hello from staging');
    expect(productionValues).toContain('hello from production');
    expect(productionValues).not.toContain('hello from staging');

    // 4. Production requires approval: the requester can't approve alone, another owner can.
    expect((await alice.patch(`${base}/environments/production`, { requiresApproval: true })).status).toBe(
      200,
    );
    const second = await waitForRun(
      alice,
      (await alice.post<Run>(`${base}/deployments`, { environment: 'staging' })).body,
      90_000,
    );
    expect(second.status, second.failureReason).toBe('deployed');
    const waiting = await alice.post<Run>(`${base}/environments/production/promotions`, {
      releaseId: second.releaseId,
    });
    expect(waiting.status).toBe(202);
    await expect
      .poll(async () => (await alice.get<Run>(`${base}/deployments/${waiting.body.id}`)).body.status, {
        timeout: 20_000,
      })
      .toBe('awaiting_approval');
    const listed = await bob.get(`/api/workspaces/${workspaceId}/approvals`);
    expect(listed.body.items).toEqual([expect.objectContaining({ runId: waiting.body.id, canDecide: true })]);
    const selfApproval = await alice.post(`${base}/deployments/${waiting.body.id}/approve`, {});
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error.code).toBe('approval.self_approval');
    expect((await bob.post(`${base}/deployments/${waiting.body.id}/approve`, {})).status).toBe(200);
    const approved = await waitForRun(alice, waiting.body, 60_000);
    expect(approved.status, approved.failureReason).toBe('deployed');
    expect(approved.approval).toMatchObject({ state: 'approved', decidedBy: 'bob' });
    expect((await alice.patch(`${base}/environments/production`, { requiresApproval: false })).status).toBe(
      200,
    );

    // 5. A push to main deploys staging; a tag of that commit reaches production without a build.
    const tagged = await commitChange('Ready for 1.0.0');
    const pushed = await push('refs/heads/main', tagged);
    expect(pushed.status).toBe(202);
    const stagingRuns = (await alice.get<{ items: Run[] }>(`${base}/deployments`)).body.items.filter(
      (r) => r.environment === 'staging' && r.source?.commit === tagged,
    );
    expect(stagingRuns).toHaveLength(1);
    expect((await waitForRun(alice, stagingRuns[0] as Run, 90_000)).status).toBe('deployed');
    await git('tag', 'v1.0.0');
    await git('push', '--quiet', 'origin', 'v1.0.0');
    expect((await push('refs/tags/v1.0.0', tagged)).status).toBe(202);
    const tagRun = (await alice.get<{ items: Run[] }>(`${base}/deployments`)).body.items.find(
      (r) => r.environment === 'production' && r.trigger === 'webhook',
    ) as Run;
    expect(tagRun.kind).toBe('promote');
    const released = await waitForRun(alice, tagRun, 60_000);
    expect(released.status, released.failureReason).toBe('deployed');
    expect(released.steps.map((s) => s.name)).not.toContain('build');
    expect(released.sourceCommit).toBe(tagged);

    // 6. Roll production back: the hold keeps the next tag out until resumed.
    const live = (await alice.get<{ items: Release[] }>(`${base}/releases?environment=production`)).body
      .items;
    const rollback = await alice.post<Run>(`${base}/releases/${live[1]?.id}/rollback`, {
      reason: 'checkout broke',
    });
    expect(rollback.status).toBe(202);
    expect((await waitForRun(alice, rollback.body, 60_000)).status).toBe('deployed');
    const held = (await alice.get<ProjectView>(base)).body.pipeline.find((e) => e.name === 'production');
    expect(held?.hold).toMatchObject({ by: 'alice', reason: 'checkout broke' });
    const next = await commitChange('Ready for 1.0.1');
    await git('tag', 'v1.0.1');
    const heldPush = await push('refs/tags/v1.0.1', next);
    expect(heldPush.status).toBe(202);
    const productionRunsAfterHold = (
      await alice.get<{ items: Run[] }>(`${base}/deployments`)
    ).body.items.filter((r) => r.environment === 'production' && r.source?.commit === next);
    expect(productionRunsAfterHold).toHaveLength(0);
    expect((await alice.delete(`${base}/environments/production/hold`)).status).toBe(204);
    await git('tag', 'v1.0.2');
    expect((await push('refs/tags/v1.0.2', next)).status).toBe(202);
    const resumed = (await alice.get<{ items: Run[] }>(`${base}/deployments`)).body.items.find(
      (r) => r.environment === 'production' && r.createdAt > rollback.body.createdAt && r.kind !== 'rollback',
    );
    expect(resumed).toBeDefined();
    expect((await waitForRun(alice, resumed as Run, 90_000)).status).toBe('deployed');
  }, 300_000);
});
