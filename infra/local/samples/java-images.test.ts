import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseImages, rewriteFrom } from '../build/local-runner.ts';
import { BaseImages, BUILD_IMAGE_SCRIPT } from '../containers/base-images.ts';
import { containerEnvironment, missingContainerTools } from '../containers/environment.ts';
import { type LocalRegistry, startRegistry } from '../containers/registry.ts';
import { freePort } from '../net.ts';

/**
 * The microservices sample's Java service built from its own Dockerfile as the local build runner
 * builds it (FROM lines pointed at the local Temurin JDK and JRE images, then build-image.sh), and run.
 * Base images come from this machine's cache when another test seeded them (WHARF_BASE_IMAGE_CACHE).
 */

const exec = promisify(execFile);
const missing = await missingContainerTools();
const ordersDir = resolve(import.meta.dirname, '../../../samples/microservices/services/orders');

describe.skipIf(missing.length > 0)(
  `the local Java images${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`,
  () => {
    let dataDir: string;
    let work: string;
    let registry: LocalRegistry;
    let env: Record<string, string>;
    const podman = async (...args: string[]) =>
      (await exec('podman', args, { env: { ...process.env, ...env }, maxBuffer: 10_000_000 })).stdout.trim();

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-java-images-'));
      work = await mkdtemp(join(tmpdir(), 'wharf-java-build-'));
      registry = await startRegistry({ dataDir });
      ({ env } = await containerEnvironment(dataDir, { registry: registry.host }));
    }, 60_000);

    afterAll(async () => {
      if (env) {
        await podman('rm', '-a', '-f').catch(() => undefined);
        await exec('buildah', ['rmi', '-a', '-f'], { env: { ...process.env, ...env } }).catch(
          () => undefined,
        );
      }
      await registry?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      if (work) await rm(work, { recursive: true, force: true });
    }, 60_000);

    it('builds the orders Dockerfile on the local JDK and JRE images, and the image runs as uid 10001', async () => {
      const images = new BaseImages({ dataDir, registry: registry.host, env, dockerHub: async () => false });
      const lines: string[] = [];
      const started = Date.now();
      // As the local build runner does: each FROM resolved to a local base image, then build-image.sh.
      const original = await readFile(join(ordersDir, 'Dockerfile'), 'utf8');
      const resolved = new Map<string, string>();
      for (const base of baseImages(original))
        resolved.set(base, await images.resolveBaseImage(base, (l) => lines.push(l)));
      console.log(`Java base images ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect([...resolved.values()]).toEqual([
        `${registry.host}/wharf/base/eclipse-temurin-jdk:17-jdk`,
        `${registry.host}/wharf/base/eclipse-temurin:17-jre`,
      ]);
      const dockerfile = join(work, 'Dockerfile.orders');
      await writeFile(dockerfile, rewriteFrom(original, resolved));
      const image = `${registry.host}/wharf/samples/orders:test`;
      const building = Date.now();
      await exec(
        BUILD_IMAGE_SCRIPT,
        [
          '--context',
          ordersDir,
          '--file',
          dockerfile,
          '--image',
          image,
          '--digest-file',
          join(work, 'digest'),
          '--tls-verify',
          'false',
        ],
        { env: { ...process.env, ...env }, maxBuffer: 50_000_000 },
      );
      console.log(`orders image built in ${((Date.now() - building) / 1000).toFixed(1)} s`);

      const port = await freePort();
      await podman(
        'run',
        '-d',
        '--tls-verify=false',
        '--name',
        'wharf-orders-sample',
        '-p',
        `127.0.0.1:${port}:8080`,
        image,
      );
      const deadline = Date.now() + 30_000;
      let orders: Response | undefined;
      while (!orders && Date.now() < deadline) {
        orders = await fetch(`http://127.0.0.1:${port}/orders`).catch(async () => {
          await new Promise((r) => setTimeout(r, 300));
          return undefined;
        });
      }
      expect(orders?.status).toBe(200);
      expect(await orders?.json()).toMatchObject({ service: 'orders' });
      // The Dockerfile's USER, not a flag of this test.
      expect(await podman('exec', 'wharf-orders-sample', 'id', '-u')).toBe('10001');
    }, 600_000);

    it('says in the build log that a Java 21 image runs on the local Java 17', async () => {
      const images = new BaseImages({ dataDir, registry: registry.host, env, dockerHub: async () => false });
      const lines: string[] = [];
      expect(await images.resolveBaseImage('eclipse-temurin:21-jdk', (l) => lines.push(l))).toBe(
        `${registry.host}/wharf/base/eclipse-temurin-jdk:17-jdk`,
      );
      expect(lines.at(-1)).toMatch(/^The local platform has Java 17 only: eclipse-temurin:21-jdk runs on/);
    }, 120_000);
  },
);
