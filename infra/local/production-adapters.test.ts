import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine, Release, Run } from '../../shared/deploy.ts';
import { type AppState, type FakeArgoCd, startFakeArgoCd } from '../../testing/fakes/argocd.ts';
import { type FakeGitHub, startFakeGitHub } from '../../testing/fakes/github.ts';
import { defaultScript, type FakeJenkins, startFakeJenkins } from '../../testing/fakes/jenkins.ts';
import { type LocalStack, startLocalStack } from './stack.ts';
import { type ApiClient, signIn, waitForRun as waitForRunToEnd } from './testing/api-client.ts';

/**
 * The whole deploy workflow with the production adapters — Jenkins, GitHub, Argo CD — pointed at
 * fakes that follow their APIs: the same state machine, handlers and settings as in AWS, only the
 * endpoints differ. The fake Argo CD follows the fake GitHub repository the way an ApplicationSet
 * and its application controller do: an app exists once its release.json is on the branch, and the
 * controller, under automated sync, applies the branch head by itself (Running, then Progressing,
 * then Healthy or Degraded), while Argo CD refuses a /sync to any other revision.
 */
const FAILING_COMMIT = 'badc0ffee0000000000000000000000000000000';
const secrets = { jenkins: 'jenkins-api-t0ken', github: 'ghs_fake_t0ken', argocd: 'argocd-t0ken' };

let jenkins: FakeJenkins;
let github: FakeGitHub;
let argocd: FakeArgoCd;
let stack: LocalStack;
let dataDir: string;
let alice: ApiClient;
let workspaceId: string;
/** Run ids whose image the fake cluster cannot start (Degraded). */
const brokenRuns = new Set<string>();

/** App name → its folder, for the apps the "ApplicationSet" generated. */
const appPaths = new Map<string, string>();

/**
 * The ApplicationSet's files generator: an Application for each release.json on the branch, with
 * automated sync (as Wharf's ApplicationSet writes it). Its status is the fake controller's.
 */
function generatedApp(name: string): AppState | undefined {
  const head = github.head();
  if (!head) return undefined;
  for (const file of github.files(head, 'apps/')) {
    if (!file.endsWith('/release.json')) continue;
    const identity = JSON.parse(github.readFile(head, file) ?? '{}');
    if (identity.appName !== name) continue;
    appPaths.set(name, identity.appPath);
    return {
      metadata: { name, namespace: 'argocd' },
      spec: {
        project: identity.project,
        source: {
          repoURL: 'https://github.com/acme/gitops.git',
          path: identity.appPath,
          targetRevision: 'main',
        },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
  }
  return undefined;
}

const waitForRun = (projectId: string, runId: string, timeoutMs?: number) =>
  waitForRunToEnd(alice, { workspaceId, projectId, id: runId }, timeoutMs);

async function logOf(projectId: string, runId: string): Promise<string[]> {
  const res = await alice.get<{ lines: LogLine[] }>(
    `/api/workspaces/${workspaceId}/projects/${projectId}/deployments/${runId}/logs?after=0&limit=1000`,
  );
  return res.body.lines.map((l) => l.text);
}

beforeAll(async () => {
  jenkins = await startFakeJenkins({
    user: 'wharf',
    apiToken: secrets.jenkins,
    jobs: ['platform/wharf-build'],
    requireCrumb: true,
    quietPeriodMs: 200,
    executorWaitMs: 100,
    script: (params) =>
      params.WHARF_COMMIT === FAILING_COMMIT
        ? {
            result: 'FAILURE',
            lines: [
              '[Pipeline] { (Image)',
              '[wharf] stage: Image',
              'ERROR: failed to build: npm ci exited with code 1',
            ],
          }
        : defaultScript(params),
  });
  github = await startFakeGitHub({
    owner: 'acme',
    repo: 'gitops',
    token: secrets.github,
    // GitHub's content-creation limit, scaled down: a commit now and then has to wait it out.
    secondaryRateLimit: { limit: 5, retryAfterSeconds: 1, status: 429 },
  });
  argocd = await startFakeArgoCd({
    token: secrets.argocd,
    resolveApp: async (name) => generatedApp(name),
    controller: {
      intervalMs: 100,
      resolveRevision: (source) => github.head(source.targetRevision),
      // The fake cluster cannot start the image of a broken run: Degraded.
      rollout: (name, revision) => {
        const manifests = github.readFile(revision, `${appPaths.get(name)}/manifests.yaml`) ?? '';
        return [...brokenRuns].some((runId) => manifests.includes(runId))
          ? { health: 'Degraded', message: 'Deployment has exceeded its progress deadline' }
          : { health: 'Healthy' };
      },
      // Another app's commit leaves this one's manifests as they were: still Synced.
      sameManifests: (name, a, b) => {
        const path = appPaths.get(name);
        return JSON.stringify(github.snapshot(a, path)) === JSON.stringify(github.snapshot(b, path));
      },
    },
  });
  dataDir = await mkdtemp(join(tmpdir(), 'wharf-prod-adapters-'));
  stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: true,
    integrations: {
      WHARF_BUILD_SERVICE: 'jenkins',
      WHARF_JENKINS_URL: jenkins.url,
      WHARF_JENKINS_USER: 'wharf',
      WHARF_JENKINS_JOB: 'platform/wharf-build',
      WHARF_JENKINS_TOKEN: secrets.jenkins,
      WHARF_GITOPS: 'github',
      WHARF_GITHUB_REPOSITORY: 'acme/gitops',
      WHARF_GITHUB_API_URL: github.url,
      WHARF_GITHUB_CREDENTIALS: secrets.github,
      WHARF_GITHUB_WRITE_INTERVAL_MS: '0',
      WHARF_SYNC: 'argocd',
      WHARF_ARGOCD_URL: argocd.url,
      WHARF_ARGOCD_TOKEN: secrets.argocd,
      // The fakes answer at once: poll them quickly.
      WHARF_LIMIT_SYNC_CHECKS: '40',
    },
  });
  alice = await signIn(stack, 'alice');
  workspaceId = (await alice.post('/api/workspaces', { name: 'prod-adapters' })).body.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([jenkins?.close(), github?.close(), argocd?.close()]);
  await rm(dataDir, { recursive: true, force: true });
  // The stack put its settings into this worker's environment; leave the next file a clean one.
  for (const name of Object.keys(process.env)) {
    if (/^WHARF_(JENKINS|GITHUB|ARGOCD|BUILD_SERVICE|GITOPS|SYNC|LIMIT)/.test(name)) delete process.env[name];
  }
});

describe('the deploy workflow on Jenkins, GitHub and Argo CD (fakes)', () => {
  it('deploys, fails a build, rolls back a bad rollout by itself, and rolls back on request', async () => {
    const project = (
      await alice.post(`/api/workspaces/${workspaceId}/projects`, {
        name: 'storefront',
        type: 'monolith',
        repository: { url: `${stack.url}/git/node-web.git`, branch: 'main' },
        port: 3000,
      })
    ).body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;

    // 1. A deploy: Jenkins builds, one GitHub commit, Argo CD synced and healthy at that commit.
    const first = (await alice.post<Run>(`${base}/deployments`, {})).body;
    const deployed = await waitForRun(project.id, first.id);
    expect(deployed.status, deployed.failureReason).toBe('deployed');
    const [build] = jenkins.builds();
    expect(build?.params).toMatchObject({
      WHARF_RUN_ID: first.id,
      WHARF_BRANCH: 'main',
      WHARF_PROJECT_NAME: 'storefront',
      WHARF_REPOSITORY_URL: `${stack.url}/git/node-web.git`,
    });
    expect(deployed.image?.reference).toBe(`registry.localhost/wharf/${workspaceId}/storefront:${first.id}`);
    expect(deployed.gitopsCommit).toBe(github.head());
    const lines = await logOf(project.id, first.id);
    expect(lines).toEqual(expect.arrayContaining(['Started by user wharf', 'Finished: SUCCESS']));
    expect(lines.filter((l) => l === 'Finished: SUCCESS')).toHaveLength(1);
    const releases = (await alice.get<{ items: Release[] }>(`${base}/releases?environment=production`)).body
      .items;
    expect(releases).toHaveLength(1);
    const release1 = releases[0] as Release;
    expect(release1.gitopsCommit).toBe(deployed.gitopsCommit);
    expect(release1.gitopsCommitUrl).toBe(`https://github.com/acme/gitops/commit/${deployed.gitopsCommit}`);
    expect(github.readFile(release1.gitopsCommit, `${release1.gitopsPath}/values.yaml`)).toContain(first.id);
    expect(argocd.refreshes.some((r) => r.name === release1.appName)).toBe(true);

    // 2. A failing build: the run fails with Jenkins' reason, nothing is committed.
    const headBefore = github.head();
    const failing = (await alice.post<Run>(`${base}/deployments`, { commit: FAILING_COMMIT })).body;
    const failed = await waitForRun(project.id, failing.id);
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toMatch(/Image/);
    expect(failed.failureReason).toMatch(/npm ci exited with code 1/);
    expect(github.head()).toBe(headBefore);

    // 3. A rollout Argo CD reports Degraded: rolled back to release 1 by re-committing it.
    const bad = (await alice.post<Run>(`${base}/deployments`, {})).body;
    brokenRuns.add(bad.id);
    const rolledBack = await waitForRun(project.id, bad.id);
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.failureReason).toContain('Deployment has exceeded its progress deadline');
    const restored = github.readFile(github.head() as string, `${release1.gitopsPath}/release.json`);
    expect(restored).toBe(github.readFile(release1.gitopsCommit, `${release1.gitopsPath}/release.json`));

    // 4. A good deploy (release 2), then a manual rollback to release 1: no build, one commit.
    const second = (await alice.post<Run>(`${base}/deployments`, {})).body;
    expect((await waitForRun(project.id, second.id)).status).toBe('deployed');
    const buildsBefore = jenkins.builds().length;
    const rollback = (await alice.post<Run>(`${base}/releases/${release1.id}/rollback`)).body;
    const back = await waitForRun(project.id, rollback.id);
    expect(back.status, back.failureReason).toBe('deployed');
    expect(jenkins.builds()).toHaveLength(buildsBefore);
    const current = github.readFile(github.head() as string, `${release1.gitopsPath}/values.yaml`);
    expect(current).toContain(first.id);

    // Credentials never reach run records or logs.
    const runs = (await alice.get<{ items: Run[] }>(`${base}/deployments?limit=20`)).body.items;
    const everything =
      JSON.stringify(runs) + (await Promise.all(runs.map((r) => logOf(project.id, r.id)))).join('\n');
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);

    // The controller applied every commit by itself: Wharf asked for no sync, and neither Argo CD nor
    // GitHub refused anything it sent (a 404 is an app not generated yet; each secondary limit was
    // tripped once and waited out, never pushed further by a request inside it).
    expect(argocd.syncs).toEqual([]);
    expect(argocd.requests.filter((r) => r.status !== 200 && r.status !== 404)).toEqual([]);
    expect(github.requests.secondaryLimited).toBeGreaterThan(0);
    expect(github.requests.log.filter((r) => r.status === 429)).toHaveLength(
      github.requests.secondaryLimited,
    );
    const trips = github.requests.log.filter((r, i, log) => r.status === 429 && log[i - 1]?.status !== 429);
    expect(trips).toHaveLength(github.requests.secondaryLimited);
  });
});
