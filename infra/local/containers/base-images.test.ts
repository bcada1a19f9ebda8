import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseImages, debianMirror, localBaseName, localBaseNote } from './base-images.ts';
import { containerEnvironment, missingContainerTools } from './environment.ts';
import { type LocalRegistry, manifestDigest, startRegistry } from './registry.ts';

const exec = promisify(execFile);
const missing = await missingContainerTools();

describe('base image names', () => {
  it('maps the Docker Hub names the Dockerfiles use to the local base images', () => {
    expect(localBaseName('node')).toBe('node');
    expect(localBaseName('node:24-alpine')).toBe('node');
    expect(localBaseName('docker.io/library/node:24')).toBe('node');
    expect(localBaseName('nginxinc/nginx-unprivileged:1.27-alpine')).toBe('nginx-unprivileged');
    expect(localBaseName('mysql:8')).toBe('mariadb');
    expect(localBaseName('eclipse-temurin:21-jre')).toBe('eclipse-temurin');
    expect(localBaseName('postgres@sha256:abc')).toBe('postgres');
    expect(localBaseName('ghcr.io/acme/node:1')).toBeUndefined();
    expect(localBaseName('127.0.0.1:5000/wharf/base/node:18')).toBeUndefined();
    expect(localBaseName('busybox')).toBeUndefined();
  });

  it('picks the JDK or the JRE image by the Temurin tag, and says when the local Java is older', () => {
    expect(localBaseName('eclipse-temurin:17-jdk')).toBe('eclipse-temurin-jdk');
    expect(localBaseName('eclipse-temurin:21-jdk-jammy')).toBe('eclipse-temurin-jdk');
    expect(localBaseName('eclipse-temurin:17')).toBe('eclipse-temurin-jdk');
    expect(localBaseName('eclipse-temurin:17-jre')).toBe('eclipse-temurin');
    expect(localBaseNote('eclipse-temurin:17-jdk')).toBeUndefined();
    expect(localBaseNote('node:24')).toBeUndefined();
    expect(localBaseNote('eclipse-temurin:21-jdk')).toMatch(
      /^The local platform has Java 17 only: eclipse-temurin:21-jdk runs on the local Java 17 image/,
    );
    expect(localBaseNote('eclipse-temurin:21-jre')).toMatch(/Java 17 image/);
  });

  it('says which Docker Hub images cannot run here instead of letting podman fail on the pull', async () => {
    const offline = new BaseImages({
      dataDir: tmpdir(),
      registry: '127.0.0.1:9',
      env: {},
      dockerHub: () => Promise.resolve(false),
    });
    await expect(offline.resolveBaseImage('mongo:7')).rejects.toThrow(
      /MongoDB has no local image .*Debian ships no MongoDB package.*postgres, mysql \(MariaDB\) and redis/,
    );
    await expect(offline.resolveBaseImage('busybox:1.36')).rejects.toThrow(
      /busybox:1\.36 is not on this machine and Docker Hub is not reachable from here; the local platform makes these from Debian packages: .*node.*postgres/,
    );
    // Another registry's image is pulled as it is; so is any image while Docker Hub answers.
    expect(await offline.resolveBaseImage('ghcr.io/acme/app:1')).toBe('ghcr.io/acme/app:1');
    expect(await offline.resolveBaseImage('localhost/wharf/app:1')).toBe('localhost/wharf/app:1');
    const online = new BaseImages({
      dataDir: tmpdir(),
      registry: '127.0.0.1:9',
      env: {},
      dockerHub: () => Promise.resolve(true),
    });
    expect(await online.resolveBaseImage('mongo:7')).toBe('mongo:7');
  });

  it('reads the Debian mirror apt uses', async () => {
    expect(await debianMirror()).toMatch(/^https?:\/\//);
  });
});

describe.skipIf(missing.length > 0)(
  `seeding base images${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    let dataDir: string;
    let registry: LocalRegistry;
    let env: Record<string, string>;
    let archiveDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-base-'));
      archiveDir = await mkdtemp(join(tmpdir(), 'wharf-base-archive-'));
      registry = await startRegistry({ dataDir });
      ({ env } = await containerEnvironment(dataDir, { registry: registry.host }));
    });
    afterAll(async () => {
      await registry?.stop();
      if (env)
        await exec('buildah', ['rmi', '-a', '-f'], { env: { ...process.env, ...env } }).catch(
          () => undefined,
        );
      await rm(dataDir, { recursive: true, force: true });
      await rm(archiveDir, { recursive: true, force: true });
    });

    it('seeds node (and the Debian base under it) once, then re-uses it across restarts', async () => {
      const lines: string[] = [];
      const offline = () => Promise.resolve(false);
      const images = new BaseImages({
        dataDir,
        registry: registry.host,
        env,
        dockerHub: offline,
        archiveDir,
      });
      const started = Date.now();
      const node = await images.resolveBaseImage('node:24-alpine', (l) => lines.push(l));
      const firstSeconds = (Date.now() - started) / 1000;
      console.log(`first seeding (debian + node): ${firstSeconds.toFixed(1)} s`);
      expect(node).toBe(`${registry.host}/wharf/base/node:18`);
      expect(lines).toContain('Seeding base image debian from Debian packages (first time only, ~45 s)');
      expect(lines).toContain('Seeding base image node from Debian packages (first time only, ~1 min)');
      expect(lines.at(-1)).toBe(
        `Using the local base image ${node} for node:24-alpine (Docker Hub is not reachable from here)`,
      );
      expect(lines.some((l) => /^STEP 1\/\d+: FROM /.test(l))).toBe(true);
      const digest = await manifestDigest(registry.url, 'wharf/base/node', '18');
      expect(digest).toMatch(/^sha256:/);
      expect(
        (await images.seeded()).map((m) => [m.name, m.digest === digest || m.name === 'debian']),
      ).toEqual([
        ['debian', true],
        ['node', true],
      ]);

      // The image runs: Debian's node, and the official image's `node` user.
      const { stdout } = await exec(
        'podman',
        ['run', '--rm', node, 'sh', '-c', 'node --version; id -u node'],
        {
          env: { ...process.env, ...env },
        },
      );
      expect(stdout).toMatch(/^v18\.\d+\.\d+\n1000\n$/);

      // A later start of the stack (a new instance, the same data folder) finds it seeded.
      const warm = new BaseImages({ dataDir, registry: registry.host, env, dockerHub: offline });
      const again: string[] = [];
      const warmStart = Date.now();
      expect(await warm.resolveBaseImage('docker.io/library/node', (l) => again.push(l))).toBe(node);
      const warmMs = Date.now() - warmStart;
      console.log(`warm start: ${warmMs} ms`);
      expect(warmMs).toBeLessThan(1_000);
      expect(again.filter((l) => l.startsWith('Seeding'))).toEqual([]);
    }, 170_000);

    it("loads node into a fresh data folder from this machine's base image cache, without seeding", async () => {
      const otherDir = await mkdtemp(join(tmpdir(), 'wharf-base-other-'));
      const other = await startRegistry({ dataDir: otherDir });
      try {
        const { env: otherEnv } = await containerEnvironment(otherDir, { registry: other.host });
        const images = new BaseImages({
          dataDir: otherDir,
          registry: other.host,
          env: otherEnv,
          dockerHub: () => Promise.resolve(false),
          archiveDir,
        });
        const lines: string[] = [];
        const started = Date.now();
        expect(await images.resolveBaseImage('node', (l) => lines.push(l))).toBe(
          `${other.host}/wharf/base/node:18`,
        );
        console.log(`load from the machine's cache: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        expect(lines.filter((l) => l.startsWith('Seeding'))).toEqual([]);
        expect(lines[0]).toMatch(/^Loaded base image node from this machine's base image cache in [\d.]+ s$/);
        // The same image as the one seeded: the same manifest digest.
        expect(await manifestDigest(other.url, 'wharf/base/node', '18')).toBe(
          await manifestDigest(registry.url, 'wharf/base/node', '18'),
        );
      } finally {
        await other.stop();
        await rm(otherDir, { recursive: true, force: true });
      }
    }, 120_000);

    it('uses the Dockerfile’s own image where Docker Hub answers', async () => {
      const online = new BaseImages({
        dataDir,
        registry: registry.host,
        env,
        dockerHub: () => Promise.resolve(true),
      });
      const lines: string[] = [];
      expect(await online.resolveBaseImage('postgres:16', (l) => lines.push(l))).toBe('postgres:16');
      expect(lines).toEqual([]);
    });
  },
);
