import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRelease } from '../../../shared/manifests/index.ts';
import {
  databaseWithCredentials,
  parseManifests,
  releaseInput,
} from '../../../shared/manifests/testing/fixtures.ts';
import { BaseImages } from './base-images.ts';
import { containerEnvironment, missingContainerTools } from './environment.ts';
import { type LocalRegistry, startRegistry } from './registry.ts';

/**
 * The local postgres image against a real psql: it makes the user and database the variables name, a
 * restart with another password makes that one the password on the same data folder (what a rotation
 * rolls out), and the postStart hook the manifests give the official image in a cluster does the same
 * on a running server. Base images come from this machine's cache (vitest.config.ts) when seeded before.
 */

const exec = promisify(execFile);
const missing = await missingContainerTools();
const psqlMissing = await exec('psql', ['--version']).then(
  () => false,
  () => true,
);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

/** `check`'s answer once it stops throwing (an engine still starting), or its last error after `ms`. */
async function until<T>(check: () => Promise<T>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe.skipIf(missing.length > 0 || psqlMissing)(
  `local postgres image${missing.length || psqlMissing ? ` (skipped: ${[...missing, ...(psqlMissing ? ['psql'] : [])].join(', ')} missing)` : ''}`,
  () => {
    let dataDir: string;
    let registry: LocalRegistry;
    let env: Record<string, string>;
    let image: string;
    let port: number;
    const stamp = Date.now().toString(36);
    const container = `wharf-pg-test-${stamp}`;
    const volume = `wharf-pg-test-${stamp}`;
    const podman = async (...args: string[]) =>
      (await exec('podman', args, { env: { ...process.env, ...env } })).stdout.trim();

    /** psql over TCP, as an app or a user does; the password only in the environment. */
    const psql = (user: string, password: string, database: string, sql: string) =>
      exec(
        'psql',
        [
          '-X',
          '-q',
          '-t',
          '-A',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          user,
          '-d',
          database,
          '-c',
          sql,
        ],
        {
          env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '3' },
        },
      ).then((r) => r.stdout.trim());

    /** Starts the image on the test's volume as the manifests do (uid 999), with these variables. */
    const start = async (variables: Record<string, string>) => {
      await podman('rm', '-f', '-t', '0', container).catch(() => undefined);
      await podman(
        'run',
        '-d',
        '--name',
        container,
        '--user',
        '999:999',
        '-p',
        `127.0.0.1:${port}:5432`,
        '-v',
        `${volume}:/var/lib/postgresql`,
        ...Object.entries(variables).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        image,
      );
    };

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-pg-entrypoint-'));
      registry = await startRegistry({ dataDir });
      ({ env } = await containerEnvironment(dataDir, { registry: registry.host }));
      const bases = new BaseImages({ dataDir, registry: registry.host, env, dockerHub: async () => false });
      const started = Date.now();
      image = await bases.resolveBaseImage('postgres:16');
      console.log(`postgres base image ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      port = await freePort();
      await podman('volume', 'create', volume);
      // The volume is owned by the uid the manifests run as (Kubernetes' fsGroup does this in a cluster).
      await podman('run', '--rm', '-v', `${volume}:/v`, image, 'chown', '999:999', '/v');
    }, 240_000);

    afterAll(async () => {
      if (env) {
        await podman('rm', '-f', '-t', '0', container).catch(() => undefined);
        await podman('volume', 'rm', '-f', volume).catch(() => undefined);
        await podman('rmi', '-f', image).catch(() => undefined);
      }
      await registry?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('makes POSTGRES_USER and POSTGRES_DB, and takes a changed password on restart with the data kept', async () => {
      await start({ POSTGRES_USER: 'orders_db', POSTGRES_DB: 'orders_db', POSTGRES_PASSWORD: 'first-pw' });
      expect(
        await until(() =>
          psql('orders_db', 'first-pw', 'orders_db', 'SELECT current_user, current_database()'),
        ),
      ).toBe('orders_db|orders_db');
      await psql(
        'orders_db',
        'first-pw',
        'orders_db',
        "CREATE TABLE items (text text); INSERT INTO items VALUES ('kept')",
      );

      const restarted = Date.now();
      await start({ POSTGRES_USER: 'orders_db', POSTGRES_DB: 'orders_db', POSTGRES_PASSWORD: "second-'pw" });
      expect(await until(() => psql('orders_db', "second-'pw", 'orders_db', 'SELECT text FROM items'))).toBe(
        'kept',
      );
      console.log(
        `restart with the new password answered in ${((Date.now() - restarted) / 1000).toFixed(1)} s`,
      );
      await expect(psql('orders_db', 'first-pw', 'orders_db', 'SELECT 1')).rejects.toThrow(
        /password authentication failed/,
      );
    }, 120_000);

    it("gives a folder made before its user that user and database (a legacy database's first rotation)", async () => {
      await start({ POSTGRES_USER: 'reports', POSTGRES_DB: 'reports', POSTGRES_PASSWORD: 'third-pw' });
      expect(await until(() => psql('reports', 'third-pw', 'reports', 'SELECT current_database()'))).toBe(
        'reports',
      );
      // The earlier user is left as it was.
      expect(await psql('orders_db', "second-'pw", 'orders_db', 'SELECT text FROM items')).toBe('kept');
    }, 120_000);

    it("the manifests' postStart hook sets the current password on a running server", async () => {
      const rendered = renderRelease(releaseInput(databaseWithCredentials));
      const set = parseManifests(rendered.files[2]?.content ?? '').find((o) => o.kind === 'StatefulSet');
      const hook: string[] = set.spec.template.spec.containers[0].lifecycle.postStart.exec.command;
      await podman(
        'exec',
        '-e',
        'POSTGRES_USER=reports',
        '-e',
        'POSTGRES_PASSWORD=fourth-pw',
        container,
        ...hook,
      );
      expect(await psql('reports', 'fourth-pw', 'reports', 'SELECT current_user')).toBe('reports');
      await expect(psql('reports', 'third-pw', 'reports', 'SELECT 1')).rejects.toThrow(
        /password authentication failed/,
      );
    }, 60_000);

    it("the backup CronJob's containers dump into the host folder under the agreed layout and keep the newest", async () => {
      const backupsDir = join(dataDir, 'backups');
      const project = { ...databaseWithCredentials, backup: { schedule: '0 3 * * *', retain: 2 } };
      const rendered = renderRelease({
        ...releaseInput(project),
        platform: { ...releaseInput(project).platform, backups: { kind: 'hostPath', path: backupsDir } },
      });
      const job = parseManifests(rendered.files[2]?.content ?? '').find((o) => o.kind === 'CronJob');
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.volumes[0].hostPath.path).toBe(backupsDir);
      const variables = (c: any) =>
        (c.env ?? []).flatMap((v: any) => [
          '-e',
          // The password comes from the credentials Secret in a cluster; the Service name is this container here.
          v.valueFrom
            ? `${v.name}=fourth-pw`
            : v.name === 'DB_HOST'
              ? 'DB_HOST=127.0.0.1'
              : `${v.name}=${v.value}`,
        ]);
      const run = (c: any, user: string) =>
        podman(
          'run',
          '--rm',
          '--network',
          `container:${container}`,
          '--user',
          user,
          '-v',
          `${backupsDir}:/backups`,
          ...variables(c),
          '-e',
          'DB_USER=reports',
          '-e',
          'DB_NAME=reports',
          image,
          ...c.command,
          ...c.args,
        );
      await exec('mkdir', ['-p', backupsDir]);
      await run(pod.initContainers[0], '0');
      for (let i = 0; i < 3; i++) {
        expect(await run(pod.containers[0], '999:999')).toMatch(/^backed up to \d{8}T\d{6}Z\.sql/);
        await new Promise((r) => setTimeout(r, 1_100));
      }
      const folder = join(
        backupsDir,
        databaseWithCredentials.workspaceId,
        databaseWithCredentials.id,
        'production',
      );
      const files = (await readdir(folder)).sort();
      expect(files).toHaveLength(2);
      for (const f of files) expect(f).toMatch(/^\d{8}T\d{6}Z\.sql$/);
      expect(await readFile(join(folder, files[1] as string), 'utf8')).toContain('PostgreSQL database dump');
    }, 60_000);
  },
);

describe.skipIf(missing.length > 0)(
  `local MariaDB image${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`,
  () => {
    let dataDir: string;
    let registry: LocalRegistry;
    let env: Record<string, string>;
    let image: string;
    const stamp = Date.now().toString(36);
    const container = `wharf-mariadb-test-${stamp}`;
    const volume = `wharf-mariadb-test-${stamp}`;
    const podman = async (...args: string[]) =>
      (await exec('podman', args, { env: { ...process.env, ...env } })).stdout.trim();
    /** The mariadb client inside the container, over TCP as an app connects; the password in MYSQL_PWD. */
    const query = (user: string, password: string, sql: string) =>
      podman(
        'exec',
        '-e',
        `MYSQL_PWD=${password}`,
        container,
        'mariadb',
        '-h',
        '127.0.0.1',
        '-u',
        user,
        '-N',
        '-B',
        '-e',
        sql,
      );
    const start = async (variables: Record<string, string>) => {
      await podman('rm', '-f', '-t', '0', container).catch(() => undefined);
      await podman(
        'run',
        '-d',
        '--name',
        container,
        // As the manifests run every engine: uid 999 (its volume made its own, as fsGroup does).
        '--user',
        '999:999',
        '-v',
        `${volume}:/var/lib/mysql`,
        ...Object.entries(variables).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        // As the manifests pass it: the data in a subfolder of the volume.
        image,
        '--datadir=/var/lib/mysql/data',
      );
    };

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'wharf-mariadb-entrypoint-'));
      registry = await startRegistry({ dataDir });
      ({ env } = await containerEnvironment(dataDir, { registry: registry.host }));
      const bases = new BaseImages({ dataDir, registry: registry.host, env, dockerHub: async () => false });
      image = await bases.resolveBaseImage('mysql:8.4');
      await podman('volume', 'create', volume);
      await podman('run', '--rm', '--entrypoint', 'chown', '-v', `${volume}:/v`, image, '999:999', '/v');
    }, 240_000);

    afterAll(async () => {
      if (env) {
        await podman('rm', '-f', '-t', '0', container).catch(() => undefined);
        await podman('volume', 'rm', '-f', volume).catch(() => undefined);
        await podman('rmi', '-f', image).catch(() => undefined);
      }
      await registry?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('makes MYSQL_USER and MYSQL_DATABASE, and a restart applies changed passwords to the same data', async () => {
      const first = {
        MYSQL_USER: 'orders_db',
        MYSQL_DATABASE: 'orders_db',
        MYSQL_PASSWORD: 'first-pw',
        MYSQL_ROOT_PASSWORD: 'first-pw',
      };
      await start(first);
      expect(
        await until(() => query('orders_db', 'first-pw', 'SELECT DATABASE(), CURRENT_USER()'), 30_000).catch(
          async (error) => {
            // What the server said is the only clue when it exits.
            const logs = await exec('podman', ['logs', container], { env: { ...process.env, ...env } });
            throw new Error(`${error}\n${logs.stdout}${logs.stderr}`);
          },
        ),
      ).toContain('orders_db');
      await query(
        'orders_db',
        'first-pw',
        "CREATE TABLE orders_db.items (t TEXT); INSERT INTO orders_db.items VALUES ('kept')",
      );
      await start({ ...first, MYSQL_PASSWORD: "second-'pw", MYSQL_ROOT_PASSWORD: "second-'pw" });
      expect(await until(() => query('orders_db', "second-'pw", 'SELECT t FROM orders_db.items'))).toBe(
        'kept',
      );
      expect(await query('root', "second-'pw", 'SELECT 1')).toBe('1');
      await expect(query('orders_db', 'first-pw', 'SELECT 1')).rejects.toThrow(/Access denied/);
    }, 120_000);
  },
);
