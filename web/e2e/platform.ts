import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningPlatform {
  url: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `npm start` as a newcomer runs it (infra/local/start.ts on the pinned Node 24), on a free port
 * with its own data folder. The web app must already be built into web/dist (npm run test:e2e does).
 */
export async function startPlatform(): Promise<RunningPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'infra', 'local', 'start.ts')],
    {
      cwd: repoRoot,
      // Process mode: the browser flow is about the web app; container mode has its own acceptance
      // test (infra/local/containers/acceptance.test.ts), and seeding base images would eat the timeouts.
      env: {
        ...process.env,
        PORT: '0',
        WHARF_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        WHARF_RUNTIME: 'processes',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not come up in 90 s:\n${output}`)),
      90_000,
    );
    const check = () => {
      const found = output.match(/Web app\s+(http:\/\/localhost:\d+)\//);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
