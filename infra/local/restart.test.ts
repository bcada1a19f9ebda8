import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/deploy.ts';
import { freePort } from './net.ts';
import { repoRoot } from './stack.ts';
import { type ApiClient, signIn, waitForRun } from './testing/api-client.ts';

/**
 * The platform as `npm start` runs it, in a process of its own that can be killed with SIGKILL: node
 * itself runs start.ts (through tsx's loader), so the pid is the platform's and nothing relays the kill.
 */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('Press Ctrl-C to stop.')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`npm start exited:\n${output}`)));
  });
  return { child, ready, exited };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The app processes the platform has recorded (the leaders of their process groups). */
async function appProcesses(dataDir: string): Promise<number[]> {
  const names = await readdir(join(dataDir, 'processes')).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).map((n) => Number.parseInt(n, 10));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopGracefully(p: { child: ChildProcess; exited: Promise<void> }) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGINT');
  await p.exited;
}

describe('npm start after the platform was killed (kill -9) during a deploy', () => {
  it('ends the run failed with "platform restarted" within 10 s and leaves no app process of the old platform', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-killed-'));
    const env = { PORT: String(await freePort()), WHARF_DATA_DIR: dataDir };
    let platform = start(env);
    const leftovers: number[] = [];
    try {
      await platform.ready;
      const stack = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8'));
      leftovers.push(stack.pid);
      let alice: ApiClient = await signIn(stack, 'alice');
      const workspaceId = (await alice.post('/api/workspaces', { name: 'restarts' })).body.id as string;
      const samples = await alice.get('/api/samples');
      const sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
      const project = (
        await alice.post(`/api/workspaces/${workspaceId}/projects`, {
          name: 'survivor',
          type: 'monolith',
          repository: { url: sampleUrl, branch: 'main' },
          port: 3000,
          healthCheckPath: '/healthz',
        })
      ).body;
      const base = `/api/workspaces/${workspaceId}/projects/${project.id}/deployments`;

      // Release 1 runs as an app process of this platform.
      const first = (await alice.post<Run>(base, {})).body;
      expect((await waitForRun(alice, { workspaceId, projectId: project.id, id: first.id })).status).toBe(
        'deployed',
      );
      const oldApps = await appProcesses(dataDir);
      expect(oldApps.length).toBeGreaterThan(0);
      expect(oldApps.every(alive)).toBe(true);

      // Deploy again and kill the platform while it builds.
      const second = (await alice.post<Run>(base, {})).body;
      await until(
        'the second run to build',
        async () =>
          (await alice.get<Run>(`${base}/${second.id}`)).body.status === 'building' ? true : undefined,
        30_000,
      );
      platform.child.kill('SIGKILL');
      await platform.exited;

      platform = start(env);
      await platform.ready;
      const restarted = Date.now();
      alice = await signIn(stack, 'alice');
      const ended = await waitForRun(alice, { workspaceId, projectId: project.id, id: second.id }, 10_000);
      expect(Date.now() - restarted).toBeLessThan(10_000);
      expect(ended).toMatchObject({
        status: 'failed',
        failureReason: expect.stringContaining('platform restarted'),
      });
      for (const pid of oldApps) expect(alive(pid), `app process ${pid} of the killed platform`).toBe(false);
      // The environment's turn was freed: a new deploy runs through.
      const third = (await alice.post<Run>(base, {})).body;
      expect((await waitForRun(alice, { workspaceId, projectId: project.id, id: third.id })).status).toBe(
        'deployed',
      );
    } finally {
      await stopGracefully(platform);
      // What the killed platform could not stop itself (its DynamoDB Local, if still there).
      for (const pid of [...leftovers, ...(await appProcesses(dataDir))]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
