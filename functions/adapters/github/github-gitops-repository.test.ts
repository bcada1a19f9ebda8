import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type FakeGitHub,
  type FakeGitHubOptions,
  generateAppKeyPair,
  startFakeGitHub,
} from '../../../testing/fakes/github.ts';
import {
  createGitHubGitOpsRepository,
  type GitHubGitOpsRepository,
  type GitHubGitOpsRepositoryOptions,
} from './github-gitops-repository.ts';
import { WriteBudget } from './write-budget.ts';

const TOKEN = 'ghp_TestTokenThatMustNeverLeak0123456789';
const author = { name: 'Alice Example', email: 'alice@example.com' };
const fakes: FakeGitHub[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setup(
  fakeOptions: Partial<FakeGitHubOptions> = {},
  options: Partial<GitHubGitOpsRepositoryOptions> = {},
): Promise<{ fake: FakeGitHub; repo: GitHubGitOpsRepository }> {
  const fake = await startFakeGitHub({ owner: 'acme', repo: 'gitops', token: TOKEN, ...fakeOptions });
  fakes.push(fake);
  const repo = createGitHubGitOpsRepository({
    owner: 'acme',
    repo: 'gitops',
    branch: 'main',
    auth: { kind: 'token', token: TOKEN },
    baseUrl: fake.url,
    writeBudget: { minIntervalMs: 0 },
    retryDelayMs: 5,
    conflictBackoffMs: { base: 1, max: 10 },
    ...options,
  });
  return { fake, repo };
}

const appFiles = (app: string, n: number | string = 1) => [
  { path: `apps/w1/u/${app}/production/release.json`, content: `{"app":"${app}","n":"${n}"}\n` },
  { path: `apps/w1/u/${app}/production/values.yaml`, content: `image: ${app}:${n}\n` },
  { path: `apps/w1/u/${app}/production/manifests.yaml`, content: `kind: Deployment # ${app} ${n}\n` },
];

/** Catches the rejection, to look at its name and message. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('GitHubGitOpsRepository', () => {
  it('writes a multi-file change as one commit holding every file', async () => {
    const { fake, repo } = await setup();
    const before = (await repo.head()) as string;
    expect(before).toBe(fake.head());
    fake.resetRequests();

    const message = 'Deploy shop (production) release 1\n\nImage shop:1, run r1, by alice.';
    const result = await repo.commit({ message, author, files: appFiles('shop') });

    expect(result.changed).toBe(true);
    expect(result.commit).toBe(fake.head());
    expect(await repo.head()).toBe(result.commit);
    const commits = fake.commits();
    expect(commits).toHaveLength(2);
    expect(commits[0]?.parents).toEqual([before]);
    expect(commits[0]?.message).toBe(`${message}\n`);
    expect(commits[0]?.author).toMatchObject(author);
    expect(fake.files(result.commit)).toEqual([
      'README.md',
      'apps/w1/u/shop/production/manifests.yaml',
      'apps/w1/u/shop/production/release.json',
      'apps/w1/u/shop/production/values.yaml',
    ]);
    expect(await repo.readFile(result.commit, 'apps/w1/u/shop/production/values.yaml')).toBe(
      'image: shop:1\n',
    );
    // tree + commit + ref: three content-creating requests for a release.
    expect(fake.requests.contentCreating).toBe(3);
    expect(fake.requests.byOperation).toMatchObject({
      'create-tree': 1,
      'create-commit': 1,
      'update-ref': 1,
    });
  });

  it('tells subscribers when the branch moves', async () => {
    const { fake, repo } = await setup();
    const seen: string[] = [];
    const stop = fake.onRefUpdate((update) => seen.push(`${update.ref} ${update.after}`));
    const { commit } = await repo.commit({ message: 'one', author, files: appFiles('a') });
    stop();
    await repo.commit({ message: 'two', author, files: appFiles('b') });
    expect(seen).toEqual([`refs/heads/main ${commit}`]);
  });

  it('deletes folders and files in the same commit, and only those', async () => {
    const { fake, repo } = await setup();
    await repo.commit({
      message: 'Two apps',
      author,
      files: [
        ...appFiles('shop'),
        { path: 'apps/w1/u/shop/staging/release.json', content: '{}' },
        ...appFiles('shop-admin'),
        { path: 'notes/old.txt', content: 'old' },
      ],
    });
    const before = fake.commits().length;
    const { commit, changed } = await repo.commit({
      message: 'Delete shop',
      author,
      files: [],
      deletePaths: ['apps/w1/u/shop', 'notes/old.txt', 'apps/does-not-exist', 'README.md/not-a-folder'],
    });
    expect(changed).toBe(true);
    expect(fake.commits()).toHaveLength(before + 1);
    expect(fake.files(commit)).toEqual([
      'README.md',
      ...appFiles('shop-admin')
        .map((f) => f.path)
        .sort(),
    ]);
    expect(await repo.readFile(commit, 'apps/w1/u/shop/production/release.json')).toBeUndefined();
  });

  it('replaces a folder with new content in one commit', async () => {
    const { fake, repo } = await setup();
    await repo.commit({
      message: 'Bootstrap',
      author,
      files: [
        { path: 'bootstrap/root-app.yaml', content: 'root' },
        { path: 'bootstrap/workspaces/w1.yaml', content: 'w1' },
        { path: 'bootstrap/workspaces/w2.yaml', content: 'w2' },
      ],
    });
    const { commit } = await repo.commit({
      message: 'Bootstrap without w2',
      author,
      deletePaths: ['bootstrap'],
      files: [
        { path: 'bootstrap/root-app.yaml', content: 'root' },
        { path: 'bootstrap/workspaces/w1.yaml', content: 'w1' },
      ],
    });
    expect(fake.files(commit)).toEqual([
      'README.md',
      'bootstrap/root-app.yaml',
      'bootstrap/workspaces/w1.yaml',
    ]);
  });

  it('makes no commit when nothing would change', async () => {
    const { fake, repo } = await setup();
    const first = await repo.commit({ message: 'Deploy', author, files: appFiles('a') });
    const again = await repo.commit({ message: 'Deploy again', author, files: appFiles('a') });
    expect(again).toEqual({ commit: first.commit, changed: false });
    fake.resetRequests();
    const gone = await repo.commit({
      message: 'Delete nothing',
      author,
      files: [],
      deletePaths: ['apps/missing'],
    });
    expect(gone).toEqual({ commit: first.commit, changed: false });
    expect(fake.requests.contentCreating).toBe(0);
    expect(fake.commits()).toHaveLength(2);
  });

  it('rebuilds on the new head when another writer moved the branch (422 not a fast forward)', async () => {
    const { fake, repo } = await setup();
    const fault = fake.inject({ kind: 'not-fast-forward', times: 2 });
    const { commit, changed } = await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });

    expect(changed).toBe(true);
    expect(fault.injected).toBe(2);
    expect(commit).toBe(fake.head());
    const files = fake.files(commit);
    // Both writers' changes survive, in a linear history.
    expect(files).toEqual(expect.arrayContaining(['concurrent/change-1.txt', 'concurrent/change-2.txt']));
    expect(files).toEqual(expect.arrayContaining(appFiles('a').map((f) => f.path)));
    expect(fake.commits().map((c) => c.parents.length)).toEqual([1, 1, 1, 0]);
    expect(fake.requests.byOperation['update-ref']).toBe(3);
  });

  it('retries a 409 conflict', async () => {
    const { fake, repo } = await setup();
    fake.inject({ kind: 'conflict', on: 'update-ref' });
    fake.inject({ kind: 'conflict', on: 'create-commit' });
    const { commit } = await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
    expect(fake.requests.injected.conflict).toBe(2);
    // Each conflict re-read the head and rebuilt the commit: no blind resend of the same request.
    expect(fake.requests.byOperation).toMatchObject({ 'get-ref': 3, 'create-tree': 3, 'update-ref': 2 });
    expect(commit).toBe(fake.head());
    expect(fake.readFile(commit, appFiles('a')[0]?.path as string)).toBeDefined();
  });

  it('gives up with a TransientError when the branch keeps moving', async () => {
    const { fake, repo } = await setup({}, { maxAttempts: 3 });
    fake.inject({ kind: 'not-fast-forward', every: 1 });
    const error = await failure(repo.commit({ message: 'Deploy a', author, files: appFiles('a') }));
    expect(error.name).toBe('TransientError');
    expect(error.message).toMatch(/after 3 attempts/);
    expect(fake.requests.byOperation['update-ref']).toBe(3);
  });

  it('waits for retry-after on a secondary rate limit, then succeeds', async () => {
    const { fake, repo } = await setup();
    fake.inject({ kind: 'secondary-rate-limit', retryAfter: 1, on: 'create-commit' });
    const started = performance.now();
    const { commit } = await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.injected['secondary-rate-limit']).toBe(1);
    expect(fake.requests.byOperation['create-commit']).toBe(2);
    expect(commit).toBe(fake.head());
  });

  describe.each([403, 429] as const)('a secondary rate limit answered %i', (status) => {
    it('is waited out: every write succeeds and none is sent while the limit holds', async () => {
      // Two content-creating requests per minute; past that, held for 1 s (and longer if pushed).
      const { fake, repo } = await setup({
        secondaryRateLimit: { limit: 2, retryAfterSeconds: 1, status },
      });
      const started = performance.now();
      const first = await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
      const second = await repo.commit({ message: 'Deploy b', author, files: appFiles('b') });
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(fake.commits().map((c) => c.sha)).toEqual(expect.arrayContaining([first.commit, second.commit]));
      expect(second.commit).toBe(fake.head());
      // Each trip once, no request sent into a hold (it would have been refused and counted).
      expect(fake.requests.secondaryLimited).toBe(2);
    });

    it('is waited out by writers sharing a budget: one limited write holds the others back', async () => {
      const { fake } = await setup({ secondaryRateLimit: { limit: 3, retryAfterSeconds: 1, status } });
      const budget = new WriteBudget({ minIntervalMs: 0 });
      const repos = [0, 1].map(() =>
        createGitHubGitOpsRepository({
          owner: 'acme',
          repo: 'gitops',
          branch: 'main',
          auth: { kind: 'token', token: TOKEN },
          baseUrl: fake.url,
          writeBudget: budget,
          retryDelayMs: 5,
          conflictBackoffMs: { base: 1, max: 10 },
        }),
      );
      const results = await Promise.all(
        repos.map((repo, i) => repo.commit({ message: `Deploy ${i}`, author, files: appFiles(`app-${i}`) })),
      );
      for (const [i, result] of results.entries())
        expect(fake.readFile(result.commit, appFiles(`app-${i}`)[0]?.path as string)).toBeDefined();
      expect(fake.requests.secondaryLimited).toBeLessThanOrEqual(2);
    });

    it('that holds longer than Wharf waits fails at once with a TransientError, sending nothing more', async () => {
      const { fake, repo } = await setup({
        secondaryRateLimit: { limit: 1, retryAfterSeconds: 120, status },
      });
      const error = await failure(repo.commit({ message: 'Deploy a', author, files: appFiles('a') }));
      expect(error.name).toBe('TransientError');
      expect(error.message).toMatch(/secondary rate limit/);
      expect(fake.requests.byOperation['create-commit']).toBe(1);
      expect(fake.requests.secondaryLimited).toBe(1);
    });
  });

  it('retries 5xx and dropped connections, then succeeds', async () => {
    const { fake, repo } = await setup();
    fake.inject({ kind: 'server-error', status: 502, on: 'create-tree', times: 2 });
    fake.inject({ kind: 'network', on: 'get-ref' });
    const { commit } = await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
    expect(commit).toBe(fake.head());
    expect(fake.requests.byOperation['create-tree']).toBe(3);
  });

  it('paces content-creating requests through the write budget', async () => {
    const { fake, repo } = await setup({}, { writeBudget: { minIntervalMs: 100 } });
    const started = performance.now();
    await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190); // tree, +100 commit, +100 ref
    expect(repo.budget.used).toBe(fake.requests.contentCreating);
  });

  it('logs rate limits without credentials', async () => {
    const { fake, repo } = await setup();
    const lines: string[] = [];
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    // Powertools Logger writes to the process streams through a Console of its own, not the global one.
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi
        .spyOn(stream, 'write')
        .mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0),
    );
    try {
      fake.inject({ kind: 'secondary-rate-limit', retryAfter: 1, on: 'create-tree' });
      await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
    } finally {
      for (const spy of spies) spy.mockRestore();
      process.env.LOG_LEVEL = level;
    }
    expect(lines.join('\n')).toMatch(/secondary rate limit on POST/);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('fails with a TransientError once 5xx outlast the retries', async () => {
    const { fake, repo } = await setup({}, { retries: 2 });
    fake.inject({ kind: 'server-error', status: 503, on: 'get-ref', every: 1 });
    const error = await failure(repo.commit({ message: 'Deploy a', author, files: appFiles('a') }));
    expect(error.name).toBe('TransientError');
    expect(error.message).toMatch(/503/);
    expect(fake.requests.byOperation['get-ref']).toBe(3);
  });

  it('says the credentials were rejected, without showing them', async () => {
    const { repo } = await setup({ token: 'ghp_TheOnlyTokenTheFakeAccepts000000000' });
    for (const attempt of [
      () => repo.commit({ message: 'Deploy a', author, files: appFiles('a') }),
      () => repo.readFile('a'.repeat(40), 'README.md'),
      () => repo.head(),
    ]) {
      const error = await failure(attempt());
      expect(error.name).toBe('GitHubUnauthorized');
      expect(error.message).toMatch(/GitHub rejected the credentials .* acme\/gitops \(Bad credentials\)/);
      expect(error.message).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
      expect(error.stack ?? '').not.toContain(TOKEN);
    }
  });

  it('says which permission is missing when the credentials cannot write', async () => {
    const { repo } = await setup({ writeAccess: false });
    const error = await failure(repo.commit({ message: 'Deploy a', author, files: appFiles('a') }));
    expect(error.name).toBe('GitHubForbidden');
    expect(error.message).toMatch(/lacks contents:write .* on acme\/gitops/);
  });

  it('signs in as a GitHub App installation', async () => {
    const keys = generateAppKeyPair();
    const { fake, repo } = await setup(
      { token: undefined, app: { appId: '424242', publicKey: keys.publicKey, installationId: 77 } },
      { auth: { kind: 'app', appId: '424242', privateKey: keys.privateKey, installationId: 77 } },
    );
    const first = await repo.commit({ message: 'Deploy a', author, files: appFiles('a') });
    await repo.commit({ message: 'Deploy b', author, files: appFiles('b') });
    expect(await repo.readFile(first.commit, appFiles('a')[1]?.path as string)).toBe('image: a:1\n');
    // One installation token, reused.
    expect(fake.requests.auth).toBe(1);

    const other = generateAppKeyPair();
    const impostor = createGitHubGitOpsRepository({
      owner: 'acme',
      repo: 'gitops',
      branch: 'main',
      auth: { kind: 'app', appId: '424242', privateKey: other.privateKey, installationId: 77 },
      baseUrl: fake.url,
    });
    const error = await failure(impostor.commit({ message: 'x', author, files: appFiles('x') }));
    expect(error.name).toBe('GitHubUnauthorized');
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(error.message).not.toContain(other.privateKey.split('\n')[1] as string);

    const garbled = createGitHubGitOpsRepository({
      owner: 'acme',
      repo: 'gitops',
      branch: 'main',
      auth: { kind: 'app', appId: '424242', privateKey: 'not-a-pem-private-key-at-all', installationId: 77 },
      baseUrl: fake.url,
    });
    const unusable = await failure(garbled.head());
    expect(unusable.name).toBe('GitHubUnauthorized');
    expect(unusable.message).toMatch(/private key/);
    expect(unusable.message).not.toContain('not-a-pem-private-key-at-all');
  });

  it('writes queued changes together: fewer commits, each caller gets a commit holding its files', async () => {
    const { fake, repo } = await setup({}, { maxChangesPerCommit: 5 });
    const apps = Array.from({ length: 12 }, (_, i) => `app-${i}`);
    const results = await Promise.all(
      apps.map((app) => repo.commit({ message: `Deploy ${app}`, author, files: appFiles(app) })),
    );
    const commits = new Set(results.map((r) => r.commit));
    expect(commits.size).toBeLessThan(12);
    expect(commits.size).toBeGreaterThanOrEqual(3); // at most 5 changes per commit
    expect(fake.commits()).toHaveLength(1 + commits.size);
    results.forEach((result, i) => {
      for (const file of appFiles(apps[i] as string))
        expect(fake.readFile(result.commit, file.path)).toBe(file.content);
    });
    const batched = fake.commits().find((c) => c.message.startsWith('Apply '));
    expect(batched?.message).toMatch(/^Apply \d GitOps changes\n\n- Deploy app-\d+\n- Deploy app-\d+/);
  });

  it('lets the later change win for the same path, and a later delete remove earlier writes', async () => {
    const { fake, repo } = await setup();
    const results = await Promise.all([
      repo.commit({ message: 'v1', author, files: appFiles('a', 1) }),
      repo.commit({ message: 'v2', author, files: appFiles('a', 2) }),
      repo.commit({ message: 'b', author, files: appFiles('b') }),
      repo.commit({ message: 'drop b', author, files: [], deletePaths: ['apps/w1/u/b'] }),
    ]);
    expect(new Set(results.map((r) => r.commit)).size).toBe(1);
    const head = fake.head() as string;
    expect(fake.readFile(head, 'apps/w1/u/a/production/values.yaml')).toBe('image: a:2\n');
    expect(fake.files(head, 'apps/w1/u/b')).toEqual([]);
    expect(fake.commits()[0]?.author.email).toBe(author.email);
  });

  it('fails only the change GitHub refuses when it was queued with others', async () => {
    const { fake, repo } = await setup();
    const [good, bad, alsoGood] = await Promise.allSettled([
      repo.commit({ message: 'good', author, files: appFiles('a') }),
      repo.commit({ message: 'bad', author, files: [{ path: 'README.md/child', content: 'x' }] }),
      repo.commit({ message: 'also good', author, files: appFiles('b') }),
    ]);
    expect(good?.status).toBe('fulfilled');
    expect(alsoGood?.status).toBe('fulfilled');
    expect(bad?.status).toBe('rejected');
    expect(((bad as PromiseRejectedResult).reason as Error).name).toBe('GitHubRequestFailed');
    const head = fake.head() as string;
    expect(fake.files(head)).toEqual(
      expect.arrayContaining([...appFiles('a'), ...appFiles('b')].map((f) => f.path)),
    );
  });

  it('refuses bad input before it can join a batch', async () => {
    const { repo } = await setup();
    for (const path of ['../escape', 'apps/../../x', '.git/config', 'a//b', '']) {
      await expect(repo.commit({ message: 'bad', author, files: [{ path, content: 'x' }] })).rejects.toThrow(
        /not a path/,
      );
    }
    await expect(
      repo.commit({
        message: 'dup',
        author,
        files: [
          { path: 'a', content: '1' },
          { path: '/a', content: '2' },
        ],
      }),
    ).rejects.toThrow(/appears twice/);
    await expect(repo.commit({ message: ' ', author, files: appFiles('a') })).rejects.toThrow(/message/);
    expect((await repo.commit({ message: 'ok', author, files: appFiles('a') })).changed).toBe(true);
  });

  it('reads files with special characters in their paths, folders, absent files and unknown commits', async () => {
    const { repo } = await setup();
    const odd = 'apps/w1/u/my app/ü #?%&+=;.yaml';
    const { commit } = await repo.commit({
      message: 'odd',
      author,
      files: [
        { path: odd, content: 'wörks: true\n' },
        { path: 'apps/w1/u/my app/100%.txt', content: 'percent' },
      ],
    });
    expect(await repo.readFile(commit, odd)).toBe('wörks: true\n');
    expect(await repo.readFile(commit, `/${odd}`)).toBe('wörks: true\n');
    expect(await repo.readFile(commit, 'apps/w1/u/my app/100%.txt')).toBe('percent');
    expect(await repo.readFile(commit, 'apps/w1/u/my app')).toBeUndefined();
    expect(await repo.readFile(commit, 'apps/w1/u/missing.yaml')).toBeUndefined();
    await expect(repo.readFile('0'.repeat(40), 'README.md')).rejects.toThrow(/no commit/);
    await expect(repo.readFile('main', 'README.md')).rejects.toThrow(/not a commit id/);
    await expect(repo.readFile(commit, '../x')).rejects.toThrow(/not a path/);
  });

  it('sends large files as blobs and reads files the contents API returns without content', async () => {
    const { fake, repo } = await setup({ contentsMaxBytes: 1024 }, { inlineContentMaxBytes: 1024 });
    const big = `${'x'.repeat(4000)}\nend\n`;
    const { commit } = await repo.commit({
      message: 'big',
      author,
      files: [
        { path: 'apps/big/manifests.yaml', content: big },
        { path: 'apps/big/values.yaml', content: 'small' },
      ],
    });
    expect(fake.requests.byOperation['create-blob']).toBe(1);
    expect(fake.readFile(commit, 'apps/big/manifests.yaml')).toBe(big);
    expect(await repo.readFile(commit, 'apps/big/manifests.yaml')).toBe(big);
    expect(fake.requests.byOperation['get-blob']).toBe(1);
  });

  it('says what to do when the repository is empty or the branch is missing', async () => {
    const empty = await setup({ empty: true });
    expect(await empty.repo.head()).toBeUndefined();
    const error = await failure(empty.repo.commit({ message: 'a', author, files: appFiles('a') }));
    expect(error.name).toBe('GitOpsRepositoryNotReady');
    expect(error.message).toMatch(/acme\/gitops is empty .*Push a first commit to main/);

    const noBranch = await setup({}, { branch: 'gitops' });
    expect(await noBranch.repo.head()).toBeUndefined();
    const missing = await failure(noBranch.repo.commit({ message: 'a', author, files: appFiles('a') }));
    expect(missing.name).toBe('GitOpsRepositoryNotReady');
    expect(missing.message).toMatch(/Branch gitops does not exist in the GitOps repository acme\/gitops/);

    const { repo: wrongRepo } = await setup({ repo: 'other' });
    const notFound = await failure(wrongRepo.commit({ message: 'a', author, files: appFiles('a') }));
    expect(notFound.name).toBe('GitHubNotFound');
    expect(notFound.message).toMatch(/check that the repository exists/);
  });

  it('writes to a branch whose name needs encoding', async () => {
    const { fake, repo } = await setup({}, { branch: 'env/prod#1' });
    fake.setBranch('env/prod#1', fake.head() as string);
    const { commit } = await repo.commit({ message: 'a', author, files: appFiles('a') });
    expect(fake.head('env/prod#1')).toBe(commit);
    expect(await repo.head()).toBe(commit);
  });

  it('fails with a clear message on a malformed response', async () => {
    const { fake, repo } = await setup();
    fake.inject({ kind: 'malformed', on: 'create-tree' });
    const error = await failure(repo.commit({ message: 'a', author, files: appFiles('a') }));
    expect(error).not.toBeInstanceOf(TypeError);
    expect(error.name).toBe('GitHubResponseInvalid');
    expect(error.message).toMatch(/POST git\/trees .*unexpected response \(sha: /);

    fake.inject({ kind: 'malformed', on: 'get-ref' });
    await expect(repo.head()).rejects.toThrow(/GET git\/ref .*unexpected response/);
  });

  it('links to the commit and its diff on the web', async () => {
    const { repo } = await setup({}, { webUrl: 'https://ghe.example.com/' });
    const sha = 'ab'.repeat(20);
    expect(repo.links(sha)).toEqual({
      commitUrl: `https://ghe.example.com/acme/gitops/commit/${sha}`,
      diffUrl: `https://ghe.example.com/acme/gitops/compare/${sha}%5E...${sha}`,
    });
    expect((await setup()).repo.links(sha).commitUrl).toBe(`https://github.com/acme/gitops/commit/${sha}`);
  });
});
