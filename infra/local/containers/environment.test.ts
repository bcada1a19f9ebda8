import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { containerEnvironment, missingContainerTools } from './environment.ts';

const exec = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the container cluster settings', () => {
  it('keeps storage, engine and registry settings in the data folder, runc and capped ulimits', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-containers-'));
    dirs.push(dataDir);
    const { dir, env } = await containerEnvironment(dataDir, { registry: '127.0.0.1:5999' });
    expect(dir).toBe(join(dataDir, 'containers'));
    expect(env.CONTAINERS_STORAGE_CONF).toBe(join(dir, 'storage.conf'));
    const engine = await readFile(env.CONTAINERS_CONF as string, 'utf8');
    expect(engine).toContain('runtime = "runc"');
    expect(engine).toMatch(/nproc=(\d+):\1/);
    expect(Number(/nproc=(\d+)/.exec(engine)?.[1])).toBeLessThanOrEqual(32768);
    expect(await readFile(env.CONTAINERS_REGISTRIES_CONF as string, 'utf8')).toContain(
      'location = "127.0.0.1:5999"\ninsecure = true',
    );
    expect((await stat(env.CONTAINERS_STORAGE_CONF as string)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.platform !== 'linux')('podman reads them (where the tools are installed)', async () => {
    if ((await missingContainerTools()).includes('podman')) return;
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-containers-'));
    dirs.push(dataDir);
    const { env } = await containerEnvironment(dataDir);
    const { stdout } = await exec(
      'podman',
      ['info', '--format', '{{.Store.GraphRoot}} {{.Host.OCIRuntime.Name}}'],
      {
        env: { ...process.env, ...env },
      },
    );
    expect(stdout.trim()).toBe(`${join(dataDir, 'containers', 'storage')} runc`);
  });
});
