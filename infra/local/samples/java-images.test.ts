import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseImages } from '../containers/base-images.ts';
import { containerEnvironment, missingContainerTools } from '../containers/environment.ts';
import { type LocalRegistry, startRegistry } from '../containers/registry.ts';
import { freePort } from '../net.ts';

/**
 * The microservices sample's Java service on the local Temurin images, as its Dockerfile uses them:
 * the JDK image compiles and packages it with javac and jar, the JRE image runs the jar as uid 10001.
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

    it('compiles the orders service on the JDK image and runs its jar on the JRE image as a non-root user', async () => {
      const images = new BaseImages({ dataDir, registry: registry.host, env, dockerHub: async () => false });
      const lines: string[] = [];
      const started = Date.now();
      const jdk = await images.resolveBaseImage('eclipse-temurin:21-jdk', (l) => lines.push(l));
      console.log(`JDK image ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(jdk).toBe(`${registry.host}/wharf/base/eclipse-temurin-jdk:17-jdk`);
      expect(lines.at(-1)).toMatch(/^The local platform has Java 17 only: eclipse-temurin:21-jdk runs on/);

      // The Dockerfile's build stage, in the JDK image.
      await podman(
        'run',
        '--rm',
        '-v',
        `${ordersDir}/src:/src/src:ro`,
        '-v',
        `${work}:/out`,
        '-w',
        '/src',
        jdk,
        'sh',
        '-c',
        "javac --release 17 -d /tmp/out $(find src -name '*.java') && jar --create --file /out/orders.jar --main-class sample.orders.OrdersService -C /tmp/out .",
      );

      const jre = await images.resolveBaseImage('eclipse-temurin:17-jre');
      const port = await freePort();
      await podman(
        'run',
        '-d',
        '--name',
        'wharf-orders-sample',
        '--user',
        '10001:10001',
        '-p',
        `127.0.0.1:${port}:8080`,
        '-v',
        `${work}/orders.jar:/app/orders.jar:ro`,
        jre,
        'java',
        '-jar',
        '/app/orders.jar',
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
      expect(await podman('exec', 'wharf-orders-sample', 'id', '-u')).toBe('10001');
    }, 600_000);
  },
);
