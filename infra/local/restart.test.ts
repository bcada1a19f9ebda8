import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
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

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Processes still running on the test's data folder (app processes, DynamoDB Local). */
async function leftoverProcesses(dataDir: string): Promise<number[]> {
  const found = await appProcesses(dataDir);
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (args.includes(dataDir) && Number(entry) !== process.pid) found.push(Number(entry));
  }
  return found;
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
    // Process mode: this is about the platform's own records of the apps it started (a container-mode
    // platform killed with -9 also leaves its storage mounted, which the next start re-uses).
    const env = { PORT: String(await freePort()), WHARF_DATA_DIR: dataDir, WHARF_RUNTIME: 'processes' };
    let platform = start(env);
    try {
      await platform.ready;
      const stack = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8'));
      const oldDynamoPort = Number(new URL(stack.dynamodbEndpoint).port);
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
      // Nor is its DynamoDB Local still running on the data folder.
      expect(await portOpen(oldDynamoPort)).toBe(false);
      // The environment's turn was freed: a new deploy runs through.
      const third = (await alice.post<Run>(base, {})).body;
      expect((await waitForRun(alice, { workspaceId, projectId: project.id, id: third.id })).status).toBe(
        'deployed',
      );
    } finally {
      await stopGracefully(platform);
      // Whatever of the killed platform is still there when an expectation failed.
      for (const pid of await leftoverProcesses(dataDir)) {
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
