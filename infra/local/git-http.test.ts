import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHttpHandler, listSamples, prepareSampleRepos } from './git-http.ts';

const run = promisify(execFile);
const samplesDir = resolve(import.meta.dirname, '../../samples');

/** Git as a user would run it, without this machine's configuration. */
const git = (args: string[], cwd: string) =>
  run('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
    },
  });

describe('git smart HTTP for the samples', () => {
  let root: string;
  let reposDir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wharf-git-http-'));
    reposDir = join(root, 'repos');
    await prepareSampleRepos({ samplesDir, reposDir });
    const handler = createGitHttpHandler({ reposDir });
    server = createServer((req, res) => {
      const path = req.url?.split('?')[0] ?? '';
      if (!path.startsWith('/git/')) {
        res.writeHead(404).end();
        return;
      }
      void handler(req, res, path.slice('/git'.length));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/git`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await rm(root, { recursive: true, force: true });
  });

  it('makes one bare repository per sample, once, with a commit by Wharf Samples on main', async () => {
    const again = await prepareSampleRepos({ samplesDir, reposDir });
    expect(again.map((r) => r.name)).toEqual(expect.arrayContaining(['node-web', 'static-site']));
    expect(again.every((r) => !r.created)).toBe(true);
    const bare = join(reposDir, 'node-web.git');
    const { stdout } = await git(['log', '--format=%an|%s', 'main'], bare);
    expect(stdout.trim()).toBe('Wharf Samples|Sample app from Wharf');
    const { stdout: files } = await git(['ls-tree', '--name-only', 'main'], bare);
    expect(files.split('\n')).toEqual(expect.arrayContaining(['package.json', 'server.js', 'build.js']));
    expect(files).not.toContain('node_modules');
    expect((await git(['config', 'http.receivepack'], bare)).stdout.trim()).toBe('false');
    // Samples with services keep their folders.
    const { stdout: nested } = await git(
      ['ls-tree', '-r', '--name-only', 'main'],
      join(reposDir, 'microservices.git'),
    );
    expect(nested.split('\n')).toEqual(
      expect.arrayContaining([
        'services/orders/Dockerfile',
        'services/orders/src/sample/orders/OrdersService.java',
        'services/gateway/server.js',
      ]),
    );
  });

  it('lists the samples with their README descriptions', async () => {
    const samples = await listSamples({ samplesDir });
    const nodeWeb = samples.find((s) => s.name === 'node-web');
    expect(nodeWeb?.description).toMatch(/^A tiny Node\.js web app/);
    expect(samples.find((s) => s.name === 'static-site')?.description).toMatch(/^A static site/);
    expect(samples.find((s) => s.name === 'microservices')?.description).toMatch(
      /^Two Spring-style microservices/,
    );
    expect(samples.find((s) => s.name === 'postgres-items')?.description).toMatch(/Postgres database/);
  });

  it('serves clone over HTTP; a second clone sees what the operator pushed to the repository on disk', async () => {
    const work = join(root, 'work');
    await git(['clone', '--quiet', `${base}/node-web.git`, work], root);
    expect(await readFile(join(work, 'server.js'), 'utf8')).toContain('Hello from Wharf node-web');

    await writeFile(join(work, 'CHANGELOG.md'), 'pushed through the local git server\n');
    await git(['add', 'CHANGELOG.md'], work);
    await git(['commit', '--quiet', '-m', 'Add a changelog'], work);
    await git(['push', '--quiet', join(reposDir, 'node-web.git'), 'main'], work);

    const second = join(root, 'second');
    await git(['clone', '--quiet', `${base}/node-web.git`, second], root);
    expect(await readFile(join(second, 'CHANGELOG.md'), 'utf8')).toBe(
      'pushed through the local git server\n',
    );
    const { stdout } = await git(['log', '-1', '--format=%s'], second);
    expect(stdout.trim()).toBe('Add a changelog');

    // Preparing again keeps what was pushed.
    await prepareSampleRepos({ samplesDir, reposDir });
    const { stdout: head } = await git(['log', '-1', '--format=%s', 'main'], join(reposDir, 'node-web.git'));
    expect(head.trim()).toBe('Add a changelog');
  });

  it('refuses pushes over HTTP with 403: the shared samples are read-only to tenants', async () => {
    const work = join(root, 'tenant');
    await git(['clone', '--quiet', `${base}/static-site.git`, work], root);
    await writeFile(join(work, 'photo.bin'), randomBytes(3 * 1024 * 1024));
    await git(['add', 'photo.bin'], work);
    await git(['commit', '--quiet', '-m', 'Replace the sample for everyone'], work);
    const push = await git(['push', 'origin', 'main'], work).catch((e: { stderr: string }) => e);
    expect((push as { stderr: string }).stderr).toMatch(/403/);
    const bare = join(reposDir, 'static-site.git');
    // Even a repository an older version made pushable over HTTP stays read-only.
    await git(['config', 'http.receivepack', 'true'], bare);
    const advertisement = await fetch(`${base}/static-site.git/info/refs?service=git-receive-pack`);
    expect(advertisement.status).toBe(403);
    const pack = await fetch(`${base}/static-site.git/git-receive-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(pack.status).toBe(403);
    const { stdout } = await git(['log', '-1', '--format=%s', 'main'], bare);
    expect(stdout.trim()).toBe('Sample app from Wharf');
  });

  it('answers a failing backend without showing where repositories live on the server', async () => {
    // A git whose http-backend dies before answering, saying where it looked (as git's fatal errors do).
    const bin = join(root, 'failing-git');
    await mkdir(bin);
    await writeFile(
      join(bin, 'git'),
      '#!/bin/sh\necho "fatal: unable to open $GIT_PROJECT_ROOT/node-web.git/objects" >&2\nexit 128\n',
      { mode: 0o755 },
    );
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const res = await fetch(`${base}/node-web.git/info/refs?service=git-upload-pack`);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toContain('git http-backend failed');
      expect(text).not.toContain(root);
    } finally {
      process.env.PATH = path;
    }
  });

  it('answers the ref advertisement with git content types', async () => {
    const res = await fetch(`${base}/static-site.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(await res.text()).toContain('refs/heads/main');
  });

  it('refuses paths outside the repositories and unknown repositories', async () => {
    const handler = createGitHttpHandler({ reposDir });
    const probe = (subPath: string) =>
      new Promise<number>((done) => {
        const res = {
          headersSent: false,
          writeHead(status: number) {
            done(status);
            return this;
          },
          end() {
            return this;
          },
        };
        void handler({ url: subPath, headers: {} } as any, res as any, subPath);
      });
    expect(await probe('/../secrets/info/refs')).toBe(404);
    expect(await probe('/node-web.git/../../etc/passwd')).toBe(404);
    expect(await probe('/Node_Web.git/info/refs')).toBe(404);
    expect(await probe('/missing.git/info/refs')).toBe(404);
    expect(await probe('/node-web/info/refs')).toBe(404);
    const res = await fetch(`${base}/node-web.git/..%2F..%2Fetc/info/refs`);
    expect(res.status).toBe(404);
  });
});
