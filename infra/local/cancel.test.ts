import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Release, Run } from '../../shared/deploy.ts';
import { type ApiClient, pristineCommit, signIn, waitForRun } from './testing/api-client.ts';
import { getLive } from './testing/live-client.ts';

const exec = promisify(execFile);
const stack = inject('wharf');
const BRANCH = 'cancel-slow-build';
let alice: ApiClient;
let bob: ApiClient;
let workspaceId: string;
let sampleUrl: string;
let cloneDir: string;

const git = (...args: string[]) =>
  exec('git', args, {
    cwd: cloneDir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Alice',
      GIT_AUTHOR_EMAIL: 'a@x',
      GIT_COMMITTER_NAME: 'Alice',
      GIT_COMMITTER_EMAIL: 'a@x',
    },
  });

beforeAll(async () => {
  [alice, bob] = await Promise.all([signIn(stack, 'alice'), signIn(stack, 'bob')]);
  await bob.get('/api/me');
  workspaceId = (await alice.post('/api/workspaces', { name: 'cancels' })).body.id;
  const samples = await alice.get('/api/samples');
  sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
  cloneDir = await mkdtemp(join(tmpdir(), 'wharf-cancel-sample-'));
  await exec('git', ['clone', '--quiet', sampleUrl, cloneDir]);
  // A branch of its own whose build sleeps, so the deploy tests' pushes to main don't meet this one.
  await git('remote', 'set-url', '--push', 'origin', join(stack.dataDir, 'git', 'node-web.git'));
  await git('checkout', '-q', '-b', BRANCH, await pristineCommit(sampleUrl));
  const build = join(cloneDir, 'build.js');
  const source = await readFile(build, 'utf8');
  await writeFile(
    build,
    source.replace(
      'const started = Date.now();',
      "const started = Date.now();\nconsole.log('Sleeping in the build');\nawait pause(120_000);",
    ),
  );
  await git('commit', '-qam', 'A build that sleeps for two minutes');
  await git('push', '-q', 'origin', BRANCH);
});

afterAll(async () => {
  await rm(cloneDir, { recursive: true, force: true });
});

async function logText(base: string, runId: string): Promise<string> {
  const res = await alice.get(`${base}/deployments/${runId}/logs?after=0&limit=5000`);
  return res.body.lines.map((l: { text: string }) => l.text).join('\n');
}

describe('Cancel on the local platform', () => {
  it('cancels a building run within seconds; the previous release still serves; the run shows who cancelled', async () => {
    const project = (
      await alice.post(`/api/workspaces/${workspaceId}/projects`, {
        name: 'cancel-me',
        type: 'monolith',
        repository: { url: sampleUrl, branch: 'main' },
        port: 3000,
        healthCheckPath: '/healthz',
      })
    ).body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;

    // Release 1, from the sample's first commit.
    const first = await alice.post<Run>(`${base}/deployments`, { commit: await pristineCommit(sampleUrl) });
    expect(first.status).toBe(202);
    expect((await waitForRun(alice, { workspaceId, projectId: project.id, id: first.body.id })).status).toBe(
      'deployed',
    );
    const release1 = (await alice.get<{ items: Release[] }>(`${base}/releases`)).body.items[0] as Release;
    expect((await getLive(release1.liveUrl as string)).status).toBe(200);

    // A deploy whose build sleeps: cancel it while it builds.
    const slow = (await alice.post<Run>(`${base}/deployments`, { branch: BRANCH })).body;
    const deadline = Date.now() + 30_000;
    while (!(await logText(base, slow.id)).includes('Sleeping in the build')) {
      if (Date.now() > deadline) throw new Error(`the build never slept:\n${await logText(base, slow.id)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await alice.get<Run>(`${base}/deployments/${slow.id}`)).body.status).toBe('building');

    // Not a member: as if the run did not exist.
    expect(await bob.post(`${base}/deployments/${slow.id}/cancel`, {})).toMatchObject({
      status: 404,
      body: { error: { code: 'workspace.not_found' } },
    });

    const startedAt = Date.now();
    const cancel = await alice.post<Run>(`${base}/deployments/${slow.id}/cancel`, { reason: 'wrong branch' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.cancellation).toMatchObject({ by: 'alice', reason: 'wrong branch' });

    const ended = await waitForRun(alice, { workspaceId, projectId: project.id, id: slow.id }, 10_000);
    const took = Date.now() - startedAt;
    expect(ended).toMatchObject({
      status: 'cancelled',
      failureReason: 'Cancelled by alice: wrong branch',
      cancellation: { by: 'alice', reason: 'wrong branch', at: expect.any(String) },
    });
    expect(ended.steps.at(-1)).toMatchObject({ name: 'build', status: 'failed' });
    expect(took).toBeLessThan(5_000);
    console.info(`Cancel → run cancelled in ${took} ms`);

    // The execution was stopped (ABORTED, with the cancel's error), not failed.
    const execution = await fetch(stack.stepFunctionsEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.DescribeExecution',
      },
      body: JSON.stringify({ executionArn: ended.executionArn }),
    }).then((r) => r.json() as Promise<{ status: string; error?: string }>);
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Wharf.Cancelled' });

    // The live release is untouched: still release 1, still serving.
    const releases = (await alice.get<{ items: Release[] }>(`${base}/releases`)).body.items;
    expect(releases.map((r) => r.number)).toEqual([1]);
    const live = await getLive(release1.liveUrl as string);
    expect(live.status).toBe(200);
    expect(live.body).toContain('Hello from Wharf node-web');
    expect(await logText(base, slow.id)).toContain('✖ Cancelled by alice: wrong branch');

    // A finished run: 409, whatever the body (none, or {}).
    for (const body of [undefined, {}]) {
      expect(await alice.post(`${base}/deployments/${slow.id}/cancel`, body)).toMatchObject({
        status: 409,
        body: { error: { code: 'run.finished' } },
      });
    }

    // The environment's turn passed on: the next deploy runs.
    const next = await alice.post<Run>(`${base}/deployments`, { commit: await pristineCommit(sampleUrl) });
    expect((await waitForRun(alice, { workspaceId, projectId: project.id, id: next.body.id })).status).toBe(
      'deployed',
    );
  }, 90_000);
});
