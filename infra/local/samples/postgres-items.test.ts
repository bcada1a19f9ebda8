import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../net.ts';

/**
 * The Postgres sample's own client (samples/postgres-items/pg.js) against a real PostgreSQL 15 from
 * this machine's binaries, configured as the local postgres base image is (scram-sha-256 for host
 * connections), plus an md5 and a cleartext user; then the app itself over HTTP.
 */

const exec = promisify(execFile);
const sampleDir = resolve(import.meta.dirname, '../../../samples/postgres-items');
// The sample is plain JavaScript (no build step in it): its surface as this test uses it.
interface PgClient {
  query(sql: string): Promise<{ rows: Array<Record<string, string | null>>; command: string }>;
  end(): Promise<void>;
}
interface PgModule {
  PgClient: { connect(url: string): Promise<PgClient> };
  literal(value: string): string;
  parseDatabaseUrl(url: string): Record<string, string | number>;
}
const pg = (await import(join(sampleDir, 'pg.js'))) as PgModule;

const binaries = await exec('sh', ['-c', 'command -v initdb && command -v postgres']).then(
  () => true,
  () => false,
);
const isRoot = process.getuid?.() === 0;
// Postgres refuses to run as root: as root, run it as the machine's postgres user.
const asPostgres = (command: string, args: string[]) =>
  isRoot ? (['runuser', ['-u', 'postgres', '--', command, ...args]] as const) : ([command, args] as const);

const PASSWORD = "s3cret-'quote'\\slash";
let dir: string;
let port: number;
let server: ChildProcess | undefined;
let app: ChildProcess | undefined;
const url = (user: string, password: string, database = 'postgres') =>
  `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

async function until<T>(what: string, attempt: () => Promise<T>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function stop(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function startApp(env: Record<string, string>) {
  const child = spawn(process.execPath, ['server.js'], {
    cwd: sampleDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
  return child;
}

describe.skipIf(!binaries)(
  'the Postgres sample against PostgreSQL (skipped: initdb/postgres missing)',
  () => {
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'wharf-pg-sample-'));
      if (isRoot) await exec('chown', ['postgres:postgres', dir]);
      const pwfile = join(dir, 'pw');
      await writeFile(pwfile, `${PASSWORD}\n`);
      if (isRoot) await chown(pwfile, Number((await exec('id', ['-u', 'postgres'])).stdout), 0);
      const [initdb, initArgs] = asPostgres('initdb', [
        '-D',
        join(dir, 'data'),
        '-U',
        'wharf',
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
      ]);
      await exec(initdb, [...initArgs]);
      // Users for the other two password methods, matched before initdb's scram-sha-256 lines.
      const hba = join(dir, 'data', 'pg_hba.conf');
      const lines = (await exec('cat', [hba])).stdout;
      await writeFile(
        hba,
        `host all md5user 127.0.0.1/32 md5\nhost all plainuser 127.0.0.1/32 password\n${lines}`,
      );
      port = await freePort();
      const [postgres, args] = asPostgres('postgres', [
        '-D',
        join(dir, 'data'),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `port=${port}`,
        '-c',
        `unix_socket_directories=${dir}`,
      ]);
      server = spawn(postgres, [...args], { stdio: 'ignore' });
      const admin = await until('postgres starts', () => pg.PgClient.connect(url('wharf', PASSWORD)));
      await admin.query('CREATE DATABASE items');
      await admin.query("SET password_encryption = 'md5'");
      await admin.query(`CREATE USER md5user PASSWORD ${pg.literal('md5-pass')}`);
      await admin.query(`CREATE USER plainuser PASSWORD ${pg.literal('plain-pass')}`);
      await admin.end();
    }, 60_000);

    afterAll(async () => {
      await stop(app);
      await stop(server);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('authenticates with SCRAM-SHA-256, md5 and cleartext passwords', async () => {
      for (const [user, password] of [
        ['wharf', PASSWORD],
        ['md5user', 'md5-pass'],
        ['plainuser', 'plain-pass'],
      ] as const) {
        const client = await pg.PgClient.connect(url(user, password));
        const { rows } = await client.query('SELECT current_user AS who');
        expect(rows).toEqual([{ who: user }]);
        await client.end();
      }
    });

    it('reports the server’s error for a wrong password', async () => {
      await expect(pg.PgClient.connect(url('wharf', 'wrong'))).rejects.toMatchObject({
        name: 'PgError',
        code: '28P01',
        message: expect.stringMatching(/password authentication failed for user "wharf"/),
      });
    });

    it('runs queries, returns NULLs and text, and stays usable after an error', async () => {
      const client = await pg.PgClient.connect(url('wharf', PASSWORD));
      await expect(client.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
      const { rows, command } = await client.query(
        `SELECT ${pg.literal("it's")} AS text, NULL AS nothing, '' AS empty, 42 AS n`,
      );
      expect(rows).toEqual([{ text: "it's", nothing: null, empty: '', n: '42' }]);
      expect(command).toBe('SELECT 1');
      await client.end();
    });

    it('parses DATABASE_URL as the platform writes it (percent-encoded password)', () => {
      expect(
        pg.parseDatabaseUrl('postgresql://orders:p%40ss%2Fw@orders.ns.svc.cluster.local:5432/orders'),
      ).toEqual({
        host: 'orders.ns.svc.cluster.local',
        port: 5432,
        user: 'orders',
        password: 'p@ss/w',
        database: 'orders',
      });
      expect(() => pg.parseDatabaseUrl('mysql://a:b@h/db')).toThrow(/must start with postgresql/);
    });

    it('writes and reads items over HTTP, and they outlive a restart of the app', async () => {
      const appPort = await freePort();
      const base = `http://127.0.0.1:${appPort}`;
      const env = { PORT: String(appPort), DATABASE_URL: url('wharf', PASSWORD, 'items') };
      app = startApp(env);
      await until('the app answers', async () => {
        const health = await fetch(`${base}/healthz`);
        if (health.status !== 200) throw new Error(`healthz ${health.status}`);
      });
      const created = await fetch(`${base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: "Robert'); DROP TABLE items;--" }),
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ id: 1, text: "Robert'); DROP TABLE items;--" });
      const refused = await fetch(`${base}/items`, { method: 'POST', body: '{"text": ""}' });
      expect(refused.status).toBe(400);

      await stop(app);
      app = startApp(env);
      const items = await until('the restarted app lists the row', async () => {
        const answer = await fetch(`${base}/items`);
        return (await answer.json()) as { items: Array<{ id: number; text: string }> };
      });
      expect(items.items.map((i) => i.text)).toEqual(["Robert'); DROP TABLE items;--"]);
    }, 30_000);

    it('explains how to attach a database when DATABASE_URL is missing', async () => {
      await stop(app);
      const appPort = await freePort();
      app = startApp({ PORT: String(appPort) });
      const page = await until('the app answers', () => fetch(`http://127.0.0.1:${appPort}/items`));
      expect(page.status).toBe(500);
      const html = await page.text();
      expect(html).toMatch(/No database attached/);
      expect(html).toMatch(/"env": "DATABASE_URL"/);
    }, 15_000);
  },
);
