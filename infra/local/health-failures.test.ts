import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LogLine, Run } from '../../shared/deploy.ts';
import { type ApiClient, signIn, waitForRun } from './testing/api-client.ts';

/**
 * A new user's two commonest rollout mistakes, on the local platform with a real app (process
 * mode): a health check path the app does not serve, and an app that listens on its own port.
 * The run must say what was probed and what answered, within the probe's budget.
 */
const run = promisify(execFile);
const stack = inject('wharf');
let alice: ApiClient;
let workspaceId: string;
let sampleUrl: string;
let cloneDir: string;

const git = (...args: string[]) =>
  run('git', args, {
    cwd: cloneDir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Alice',
      GIT_AUTHOR_EMAIL: 'a@x',
      GIT_COMMITTER_NAME: 'Alice',
      GIT_COMMITTER_EMAIL: 'a@x',
    },
  });

async function deploy(name: string, settings: { branch: string; healthCheckPath: string }) {
  const project = (
    await alice.post(`/api/workspaces/${workspaceId}/projects`, {
      name,
      type: 'monolith',
      repository: { url: sampleUrl, branch: settings.branch },
      port: 3000,
      healthCheckPath: settings.healthCheckPath,
    })
  ).body;
  const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;
  const started = await alice.post<Run>(`${base}/deployments`, {});
  const ended = await waitForRun(alice, { workspaceId, projectId: project.id, id: started.body.id }, 120_000);
  const logs = await alice.get<{ lines: LogLine[] }>(
    `${base}/deployments/${ended.id}/logs?after=0&limit=5000`,
  );
  return { run: ended, lines: logs.body.lines };
}

/** Seconds between the first log line matching `from` and the first after it matching `to`. */
function secondsBetween(lines: LogLine[], from: RegExp, to: RegExp): number {
  const start = lines.findIndex((l) => from.test(l.text));
  const end = lines.findIndex((l, i) => i > start && to.test(l.text));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return (Date.parse(lines[end]?.at ?? '') - Date.parse(lines[start]?.at ?? '')) / 1_000;
}

beforeAll(async () => {
  alice = await signIn(stack, 'alice');
  workspaceId = (await alice.post('/api/workspaces', { name: 'health-failures' })).body.id;
  const samples = await alice.get('/api/samples');
  sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
  cloneDir = await mkdtemp(join(tmpdir(), 'wharf-health-'));
  await run('git', ['clone', '--quiet', sampleUrl, cloneDir]);
  // A branch of its own, so the other test files' pushes to main are not disturbed: the app ignores
  // PORT and listens where its author hard-coded it.
  await git('checkout', '-b', 'wrong-port');
  const file = join(cloneDir, 'server.js');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace(
      'const port = Number(process.env.PORT || 3000);',
      'const port = 5000 + Math.floor(Math.random() * 1000);',
    ),
  );
  await git('commit', '-am', 'Listen on a port of our own');
  await git('push', join(stack.dataDir, 'git', 'node-web.git'), 'wrong-port');
});

afterAll(async () => {
  await rm(cloneDir, { recursive: true, force: true });
});

describe('a rollout that never gets ready says why', () => {
  it('names the path, port and status of a health check that answers 404, within the probe budget', async () => {
    const { run: failed, lines } = await deploy('health-404', { branch: 'main', healthCheckPath: '/ready' });
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toContain('GET /ready on :3000 → 404');
    expect(failed.hintField).toBe('healthCheckPath');
    const texts = lines.map((l) => l.text);
    // The run log shows what is probed, what answered, and the app's own output while it waits.
    expect(texts).toContainEqual(
      expect.stringMatching(/probing GET \/ready on :3000 for up to (\d+(\.\d)?) s/),
    );
    expect(texts).toContainEqual(expect.stringContaining('GET /ready on :3000 → 404'));
    expect(texts).toContainEqual(expect.stringMatching(/node-web .* listening on port \d+/));
    const budget = Number(
      /for up to (\d+(?:\.\d)?) s/.exec(texts.find((t) => t.includes('probing')) ?? '')?.[1],
    );
    // Failed within the budget the probe was given (plus stopping the app and a check or two).
    expect(secondsBetween(lines, /probing GET \/ready/, /^✖ /)).toBeLessThan(budget + 4);
  }, 150_000);

  it('names the port the app printed when nothing listens on the configured one', async () => {
    const { run: failed } = await deploy('wrong-port', { branch: 'wrong-port', healthCheckPath: '/healthz' });
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toMatch(
      /nothing listens on :3000 — the app printed "node-web .* listening on port 5\d\d\d"/,
    );
    expect(failed.hintField).toBe('port');
  }, 150_000);
});
