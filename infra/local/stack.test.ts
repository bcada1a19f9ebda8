import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingContainerTools } from './containers/environment.ts';
import { freePort } from './net.ts';
import { repoRoot } from './stack.ts';
import { apiClient, signIn } from './testing/api-client.ts';

/** Runs `npm start` as a user would (the same entry point), in its own process. */
function start(env: Record<string, string>, args: string[] = []) {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts', ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('Press Ctrl-C to stop.')) resolve(output);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return { child, ready, exited, output: () => output };
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

async function stop(p: { child: ChildProcess; exited: Promise<number | null> }) {
  p.child.kill('SIGINT');
  return p.exited;
}

describe('npm start', () => {
  it('prints the URLs and accounts, keeps data across a restart, and Ctrl-C stops every child', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-restart-'));
    const port = await freePort();
    // The process mode, whatever tools this machine has (the container mode has its own test below).
    const env = { PORT: String(port), WHARF_DATA_DIR: dataDir, WHARF_RUNTIME: 'processes' };
    // Left by an older version with loose modes: start-up closes them to their owner.
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, 'webhook-secret'), 'preset-webhook-secret\n', { mode: 0o644 });
    await writeFile(join(dataDir, 'secrets.json'), '{"ws1/app/API_KEY":"sk-preset"}', { mode: 0o644 });
    try {
      let run = start(env);
      const banner = await run.ready;
      expect(banner).toMatch(/^Runtime: processes/m);
      expect(banner).not.toContain('Registry');
      expect(banner).toContain(`http://localhost:${port}/api`);
      expect(banner).toContain('alice, bob, carol');
      expect(banner.split('\n').filter((l) => l.includes('code you trust'))).toEqual([
        expect.stringContaining('Process mode: builds and apps run as local processes on this machine'),
      ]);
      const stackText = await readFile(join(dataDir, 'stack.json'), 'utf8');
      const stack = JSON.parse(stackText);
      // What the CLI commands need, and no credential: they get those on this machine otherwise.
      expect(Object.keys(stack).sort()).toEqual(
        ['dynamodbEndpoint', 'issuer', 'pid', 'stateMachineArn', 'stepFunctionsEndpoint', 'url'].sort(),
      );
      expect(stackText).not.toContain('preset-webhook-secret');
      expect(stackText).not.toMatch(/AWS_|SECRET|TOKEN/i);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      for (const file of ['stack.json', 'webhook-secret', 'secrets.json', 'oidc-keys.json']) {
        expect((await stat(join(dataDir, file))).mode & 0o777, file).toBe(0o600);
      }
      const dynamoPort = Number(new URL(stack.dynamodbEndpoint).port);
      const alice = await signIn(stack, 'alice');
      await alice.get('/api/me');
      const ws = (await alice.post('/api/workspaces', { name: 'survives' })).body;
      expect(await stop(run)).toBe(0);
      expect(await portOpen(dynamoPort)).toBe(false);
      expect(await portOpen(port)).toBe(false);

      run = start(env);
      await run.ready;
      // A token from before the restart still verifies: the issuer's signing key is kept in the data folder.
      const res = await apiClient(stack.url, alice.token).get(`/api/workspaces/${ws.id}`);
      expect(res).toMatchObject({ status: 200, body: { name: 'survives' } });
      expect(await stop(run)).toBe(0);

      run = start(env, ['--fresh']);
      await run.ready;
      const fresh = await signIn(stack, 'alice');
      expect((await fresh.get(`/api/workspaces/${ws.id}`)).status).toBe(404);
      expect(await stop(run)).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('says in one line which port is taken and how to pick another', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = start({ PORT: String(port), WHARF_DATA_DIR: join(tmpdir(), 'wharf-unused') });
      await run.ready.catch(() => undefined);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(
        `Port ${port} is already in use. Start Wharf on another port with: PORT=${port + 1} npm start`,
      );
    } finally {
      blocker.close();
    }
  }, 30_000);
});

const missingTools = await missingContainerTools();
const registryPid = async (dataDir: string) => {
  const { execFile } = await import('node:child_process');
  return new Promise<string>((resolve) =>
    execFile('pgrep', ['-f', `docker-registry serve ${dataDir}/containers/registry.yml`], (_e, out) =>
      resolve(out.trim()),
    ),
  );
};

describe.skipIf(missingTools.length > 0)(
  `npm start with the container tools${missingTools.length ? ` (skipped: ${missingTools.join(', ')} not installed)` : ''}`,
  () => {
    it('names the registry and the container runtime, stops the registry on Ctrl-C, and keeps its port', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'wharf-containers-start-'));
      const env = { PORT: String(await freePort()), WHARF_DATA_DIR: dataDir, WHARF_RUNTIME: '' };
      try {
        let run = start(env);
        const banner = await run.ready;
        expect(banner).toMatch(/^Runtime: containers \(buildah \+ podman\)$/m);
        const registry = /Registry \(local stand-in for Harbor\): (http:\/\/127\.0\.0\.1:\d+)$/m.exec(
          banner,
        )?.[1];
        expect(registry).toBeDefined();
        expect((await fetch(`${registry}/v2/`)).status).toBe(200);
        expect(await registryPid(dataDir)).not.toBe('');
        expect(await stop(run)).toBe(0);
        expect(await registryPid(dataDir)).toBe('');

        // A restart uses the same registry address: the releases' image references name it.
        run = start(env);
        expect(await run.ready).toContain(`Registry (local stand-in for Harbor): ${registry}`);
        expect(await stop(run)).toBe(0);
        // --fresh: the stack's store is emptied through the tools, then the folder goes.
        run = start(env, ['--fresh']);
        expect(await run.ready).toMatch(/^Runtime: containers/m);
        expect(await stop(run)).toBe(0);
        expect(await registryPid(dataDir)).toBe('');
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }, 90_000);
  },
);
