import { execFile } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, generateAppKeyPair, startFakeGitHub } from './github.ts';

const run = promisify(execFile);
const TOKEN = 'fake-token-0123456789';
const fakes: FakeGitHub[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(options: Partial<Parameters<typeof startFakeGitHub>[0]> = {}) {
  const fake = await startFakeGitHub({ owner: 'acme', repo: 'gitops', token: TOKEN, ...options });
  fakes.push(fake);
  const call = async (method: string, path: string, body?: unknown, auth = `token ${TOKEN}`) => {
    const response = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  return { fake, call };
}

const git = async (cwd: string, args: string[], env: Record<string, string> = {}) =>
  (await run('git', args, { cwd, env: { ...process.env, ...env } })).stdout.trim();

describe('fake GitHub', () => {
  it('computes blob, tree and commit ids exactly as git does', async () => {
    const { call } = await start();
    const date = '2024-01-02T03:04:05Z';
    const who = { name: 'Alice', email: 'alice@example.com', date };
    const tree = await call('POST', '/repos/acme/gitops/git/trees', {
      tree: [
        { path: 'README.md', mode: '100644', type: 'blob', content: 'hello\n' },
        { path: 'apps/a/values.yaml', mode: '100644', type: 'blob', content: 'image: a\n' },
        { path: 'apps/a-b.txt', mode: '100644', type: 'blob', content: 'sorts before apps/ in git\n' },
        { path: 'run.sh', mode: '100755', type: 'blob', content: '#!/bin/sh\n' },
      ],
    });
    expect(tree.status).toBe(201);
    const commit = await call('POST', '/repos/acme/gitops/git/commits', {
      message: 'First\n',
      tree: tree.body.sha,
      parents: [],
      author: who,
      committer: who,
    });

    const dir = await mkdtemp(join(tmpdir(), 'wharf-fake-github-'));
    dirs.push(dir);
    await git(dir, ['init', '--quiet']);
    await mkdir(join(dir, 'apps/a'), { recursive: true });
    await writeFile(join(dir, 'README.md'), 'hello\n');
    await writeFile(join(dir, 'apps/a/values.yaml'), 'image: a\n');
    await writeFile(join(dir, 'apps/a-b.txt'), 'sorts before apps/ in git\n');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await git(dir, ['add', '-A']);
    const gitTree = await git(dir, ['write-tree']);
    const stamp = `${Date.parse(date) / 1000} +0000`;
    const gitCommit = await git(dir, ['commit-tree', gitTree, '-m', 'First'], {
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_AUTHOR_DATE: stamp,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_COMMITTER_DATE: stamp,
    });
    expect(tree.body.sha).toBe(gitTree);
    expect(commit.body.sha).toBe(gitCommit);
    expect(await git(dir, ['hash-object', 'README.md'])).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('applies base_tree, nested paths and sha: null deletions, and refuses deleting what is not there', async () => {
    const { fake, call } = await start({
      files: { 'README.md': 'r', 'apps/a/x': '1', 'apps/a/y': '2', 'apps/b/z': '3' },
    });
    const base = fake.commit(fake.head() as string)?.tree;
    const tree = await call('POST', '/repos/acme/gitops/git/trees', {
      base_tree: base,
      tree: [
        { path: 'apps/a/x', mode: '100644', type: 'blob', sha: null },
        { path: 'apps/a/y', mode: '100644', type: 'blob', sha: null },
        { path: 'apps/c/w', mode: '100644', type: 'blob', content: 'new' },
      ],
    });
    expect(tree.body.tree.map((e: { path: string }) => e.path)).toEqual(['README.md', 'apps']);
    const listing = await call('GET', `/repos/acme/gitops/git/trees/${tree.body.sha}?recursive=1`);
    expect(listing.body.tree.map((e: { path: string }) => e.path)).toEqual([
      'README.md',
      'apps',
      'apps/b',
      'apps/b/z',
      'apps/c',
      'apps/c/w',
    ]);
    const missing = await call('POST', '/repos/acme/gitops/git/trees', {
      base_tree: base,
      tree: [{ path: 'apps/nope', mode: '100644', type: 'blob', sha: null }],
    });
    expect(missing.status).toBe(422);
  });

  it('moves a ref only by fast-forward unless forced, and tells subscribers', async () => {
    const { fake, call } = await start();
    const first = fake.head() as string;
    const updates: string[] = [];
    fake.onRefUpdate((u) => updates.push(`${u.by}:${u.before?.slice(0, 7)}→${u.after.slice(0, 7)}`));
    const second = fake.commitDirectly({ message: 'second', files: { b: 'b' } });
    const sideways = fake.commitDirectly({ message: 'side', files: { c: 'c' }, branch: 'side' });
    const refused = await call('PATCH', '/repos/acme/gitops/git/refs/heads%2Fmain', {
      sha: first,
      force: false,
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      message: 'Update is not a fast forward',
      documentation_url: expect.stringContaining('docs.github.com'),
    });
    const forced = await call('PATCH', '/repos/acme/gitops/git/refs/heads/main', {
      sha: sideways,
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(fake.head()).toBe(sideways);
    expect(updates).toEqual([
      `direct:${first.slice(0, 7)}→${second.slice(0, 7)}`,
      `direct:undefined→${sideways.slice(0, 7)}`,
      `api:${second.slice(0, 7)}→${sideways.slice(0, 7)}`,
    ]);
  });

  it('serves file contents as base64, folders as lists, and 404s', async () => {
    const { fake, call } = await start({ files: { 'a b/ü.txt': 'grüße\n' } });
    const file = await call('GET', `/repos/acme/gitops/contents/a%20b/%C3%BC.txt?ref=${fake.head()}`);
    expect(file.body).toMatchObject({ type: 'file', encoding: 'base64', path: 'a b/ü.txt' });
    expect(Buffer.from(file.body.content, 'base64').toString('utf8')).toBe('grüße\n');
    const folder = await call('GET', '/repos/acme/gitops/contents/a%20b');
    expect(folder.body).toEqual([expect.objectContaining({ type: 'file', name: 'ü.txt' })]);
    expect((await call('GET', '/repos/acme/gitops/contents/nope')).status).toBe(404);
    const noCommit = await call('GET', `/repos/acme/gitops/contents/a?ref=${'0'.repeat(40)}`);
    expect(noCommit.body.message).toMatch(/No commit found/);
  });

  it('answers 401 to bad credentials and 409 for an empty repository', async () => {
    const { call } = await start({ empty: true });
    expect(
      (await call('GET', '/repos/acme/gitops/git/ref/heads/main', undefined, 'token wrong')).body,
    ).toMatchObject({
      message: 'Bad credentials',
    });
    const empty = await call('GET', '/repos/acme/gitops/git/ref/heads/main');
    expect(empty.status).toBe(409);
    expect(empty.body.message).toBe('Git Repository is empty.');
  });

  it('issues installation tokens only to a JWT signed by the app with its id as iss', async () => {
    const keys = generateAppKeyPair();
    const { call } = await start({
      token: undefined,
      app: { appId: 99, publicKey: keys.publicKey, installationId: 5 },
    });
    const jwt = (claims: Record<string, unknown>, privateKey = keys.privateKey) => {
      const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const data = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
      return `${data}.${createSign('RSA-SHA256').update(data).sign(privateKey).toString('base64url')}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const good = await call(
      'POST',
      '/app/installations/5/access_tokens',
      {},
      `Bearer ${jwt({ iss: 99, iat: now - 30, exp: now + 540 })}`,
    );
    expect(good.status).toBe(201);
    expect(good.body.token).toMatch(/^ghs_/);
    expect((await call('GET', '/repos/acme/gitops', undefined, `token ${good.body.token}`)).status).toBe(200);

    const wrongIss = await call(
      'POST',
      '/app/installations/5/access_tokens',
      {},
      `Bearer ${jwt({ iss: 98, iat: now, exp: now + 540 })}`,
    );
    expect(wrongIss.status).toBe(401);
    const otherKey = generateAppKeyPair().privateKey;
    const forged = await call(
      'POST',
      '/app/installations/5/access_tokens',
      {},
      `Bearer ${jwt({ iss: 99, iat: now, exp: now + 540 }, otherKey)}`,
    );
    expect(forged.status).toBe(401);
    const wrongInstallation = await call(
      'POST',
      '/app/installations/6/access_tokens',
      {},
      `Bearer ${jwt({ iss: 99, iat: now, exp: now + 540 })}`,
    );
    expect(wrongInstallation.status).toBe(404);
  });

  it('injects faults and counts requests by kind', async () => {
    const { fake, call } = await start();
    const limit = fake.inject({ kind: 'secondary-rate-limit', retryAfter: 7 });
    const fiveHundred = fake.inject({ kind: 'server-error', on: 'get-ref', every: 2, times: 2 });
    const tree = { tree: [{ path: 'x', mode: '100644', type: 'blob', content: 'x' }] };
    const limited = await call('POST', '/repos/acme/gitops/git/trees', tree);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.message).toMatch(/secondary rate limit/);
    // The limit holds: the next write is refused too (reads are not).
    expect((await call('POST', '/repos/acme/gitops/git/trees', tree)).status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('GET', '/repos/acme/gitops/git/ref/heads/main')).status);
    expect(statuses).toEqual([200, 502, 200, 502, 200, 200]);
    expect([limit.injected, fiveHundred.injected]).toEqual([1, 2]);
    expect(fake.requests).toMatchObject({
      total: 8,
      reads: 6,
      contentCreating: 2,
      secondaryLimited: 2,
      injected: { 'secondary-rate-limit': 1, 'server-error': 2 },
    });
  });

  describe('secondary rate limit', () => {
    const tree = { tree: [{ path: 'x', mode: '100644', type: 'blob', content: 'x' }] };
    const write = (call: Awaited<ReturnType<typeof start>>['call']) =>
      call('POST', '/repos/acme/gitops/git/trees', tree);

    it.each([403, 429] as const)(
      'answers %i with retry-after and GitHub words past the budget, and holds until retry-after has passed',
      async (status) => {
        const { fake, call } = await start({
          secondaryRateLimit: { limit: 2, retryAfterSeconds: 1, status, extendOnRequest: false },
        });
        expect((await write(call)).status).toBe(201);
        expect((await write(call)).status).toBe(201);
        const limited = await write(call);
        expect(limited.status).toBe(status);
        expect(limited.headers.get('retry-after')).toBe('1');
        expect(limited.body).toEqual({
          message: expect.stringMatching(
            /^You have exceeded a secondary rate limit\. Please wait a few minutes/,
          ),
          documentation_url: expect.stringContaining('#about-secondary-rate-limits'),
          status: String(status),
        });
        // Still held: a write 300 ms later is refused; a read goes through.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await write(call)).status).toBe(status);
        expect((await call('GET', '/repos/acme/gitops/git/ref/heads/main')).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 750));
        expect((await write(call)).status).toBe(201);
        expect(fake.requests.secondaryLimited).toBe(2);
      },
    );

    it('pushes the end of the hold out when a client keeps sending', async () => {
      const { call } = await start({ secondaryRateLimit: { limit: 1, retryAfterSeconds: 1 } });
      expect((await write(call)).status).toBe(201);
      expect((await write(call)).status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 600));
      // Too early: refused, and the hold now ends a full second from here.
      expect((await write(call)).status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await write(call)).status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      expect((await write(call)).status).toBe(201);
    });

    it('holds every request when told to', async () => {
      const { fake, call } = await start();
      fake.inject({ kind: 'secondary-rate-limit', retryAfter: 1, status: 429, holds: 'any' });
      expect((await write(call)).status).toBe(429);
      const read = await call('GET', '/repos/acme/gitops/git/ref/heads/main');
      expect([read.status, read.headers.get('retry-after')]).toEqual([429, '1']);
    });
  });
});
