import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerEnvironment, missingContainerTools } from './environment.ts';
import { catalog, type LocalRegistry, manifestDigest, startRegistry } from './registry.ts';

const exec = promisify(execFile);
const missing = await missingContainerTools();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(missing.length > 0)(
  `the local registry${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    let dataDir: string;
    let registry: LocalRegistry | undefined;
    let env: Record<string, string>;
    const run = (command: string, args: string[]) =>
      exec(command, args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-registry-'));
    });
    afterAll(async () => {
      await registry?.stop();
      if (env) await run('buildah', ['rmi', '-a', '-f']).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    });

    it('starts on loopback only, answers /v2/, and reports the digest buildah pushed', async () => {
      registry = await startRegistry({ dataDir });
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
      const config = await readFile(join(dataDir, 'containers', 'registry.yml'), 'utf8');
      expect(config).toContain(`addr: ${registry.host}`);
      expect(config).toMatch(/delete:\n\s+enabled: true/);
      // Bound to 127.0.0.1: the port is closed on every other address of the machine.
      const { stdout: listening } = await exec('ss', ['-ltnH', `sport = :${registry.host.split(':')[1]}`]);
      expect(
        listening
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[3]),
      ).toEqual([registry.host]);

      ({ env } = await containerEnvironment(dataDir, { registry: registry.host }));
      const context = join(dataDir, 'ctx');
      await mkdir(context);
      await exec('cp', ['/bin/busybox', join(context, 'busybox')]);
      await writeFile(
        join(context, 'Containerfile'),
        'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "true"]\n',
      );
      const image = `${registry.host}/wharf/test/busybox:1`;
      await run('buildah', [
        'bud',
        '--isolation',
        'chroot',
        '-f',
        join(context, 'Containerfile'),
        '-t',
        image,
        context,
      ]);
      const digestFile = join(dataDir, 'digest');
      await run('buildah', ['push', '--digestfile', digestFile, image, `docker://${image}`]);
      const pushed = (await readFile(digestFile, 'utf8')).trim();
      expect(pushed).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await manifestDigest(registry.url, 'wharf/test/busybox', '1')).toBe(pushed);
      expect(await manifestDigest(registry.url, 'wharf/test/busybox', 'nope')).toBeUndefined();
      expect(await catalog(registry.url)).toEqual(['wharf/test/busybox']);
    }, 60_000);

    it('stops, and a restart stops a registry a killed platform left running, on the same port', async () => {
      const first = registry as LocalRegistry;
      await first.stop();
      expect(alive(first.pid)).toBe(false);
      // kill -9 of the platform: the registry lives on; the next start finds it by its record.
      registry = await startRegistry({ dataDir });
      const leftover = registry;
      const { pid } = leftover;
      registry = await startRegistry({ dataDir });
      expect(
        alive(pid) && !(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).includes(') Z'),
      ).toBe(false);
      expect(registry.host).toBe(first.host);
      expect(await manifestDigest(registry.url, 'wharf/test/busybox', '1')).toMatch(/^sha256:/);
    }, 60_000);
  },
);
