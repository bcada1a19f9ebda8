import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { git, gitLine } from './git.ts';
import { LocalGitRepository } from './local-git-repository.ts';

const run = promisify(execFile);
const author = { name: 'Alice Example', email: 'alice@example.com' };
const dirs: string[] = [];

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-gitops-test-'));
  dirs.push(dir);
  return dir;
}

async function newRepository() {
  const repo = new LocalGitRepository({ dir: join(await tempDir(), 'gitops.git') });
  await repo.init();
  return repo;
}

/** One line per commit, newest first (the first commit's `%P` is an empty line). */
const log = async (repo: LocalGitRepository, format: string) =>
  (await git(['log', `--format=${format}`, 'refs/heads/main'], { gitDir: repo.dir }))
    .toString('utf8')
    .replace(/\n$/, '')
    .split('\n');

const files = async (repo: LocalGitRepository, commit: string) =>
  (await gitLine(['ls-tree', '-r', '--name-only', commit], { gitDir: repo.dir })).split('\n').filter(Boolean);

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('LocalGitRepository', () => {
  it('creates a bare repository with a first commit, once', async () => {
    const repo = await newRepository();
    const head = await repo.head();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await repo.readFile(head as string, 'README.md')).toContain('Wharf GitOps repository');
    await repo.init();
    await new LocalGitRepository({ dir: repo.dir }).init();
    expect(await repo.head()).toBe(head);
    expect((await gitLine(['rev-parse', '--is-bare-repository'], { gitDir: repo.dir })).trim()).toBe('true');
    expect(repo.links(head as string)).toEqual({});
  });

  it('initializes once when several writers start on a missing repository together', async () => {
    const dir = join(await tempDir(), 'racy.git');
    const writers = Array.from({ length: 5 }, () => new LocalGitRepository({ dir }));
    const results = await Promise.all(
      writers.map((repo, i) =>
        repo.commit({ message: `w${i}`, author, files: [{ path: `w${i}.txt`, content: `${i}` }] }),
      ),
    );
    expect(results.every((r) => r.changed)).toBe(true);
    const first = writers[0] as LocalGitRepository;
    expect(await log(first, '%H')).toHaveLength(6);
    await expect(new LocalGitRepository({ dir: await tempDir() }).init()).resolves.toBeUndefined();
  });

  it('refuses to turn a folder that holds other files into a repository', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(new LocalGitRepository({ dir }).init()).rejects.toThrow(/not a git repository/);
  });

  it('initializes on first use when nobody called init()', async () => {
    const repo = new LocalGitRepository({ dir: join(await tempDir(), 'lazy.git') });
    const { commit, changed } = await repo.commit({
      message: 'first',
      author,
      files: [{ path: 'a.txt', content: 'a' }],
    });
    expect(changed).toBe(true);
    expect(await repo.readFile(commit, 'a.txt')).toBe('a');
    expect(await files(repo, commit)).toEqual(['README.md', 'a.txt']);
  });

  it('writes 20 concurrent commits as 20 commits in a linear history, losing none', async () => {
    const repo = await newRepository();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repo.commit({
          message: `Deploy app ${i}`,
          author,
          files: [
            { path: `apps/w1/u/app-${i}/production/release.json`, content: `{"n":${i}}\n` },
            { path: `apps/w1/u/app-${i}/production/manifests.yaml`, content: `# ${i}\n` },
          ],
        }),
      ),
    );
    expect(results.every((r) => r.changed)).toBe(true);
    expect(new Set(results.map((r) => r.commit)).size).toBe(20);
    const parents = await log(repo, '%P');
    expect(parents).toHaveLength(21);
    expect(parents.every((p) => p.split(' ').filter(Boolean).length <= 1)).toBe(true);
    const head = (await repo.head()) as string;
    const all = await files(repo, head);
    for (let i = 0; i < 20; i++) {
      expect(all).toContain(`apps/w1/u/app-${i}/production/release.json`);
      expect(await repo.readFile(head, `apps/w1/u/app-${i}/production/manifests.yaml`)).toBe(`# ${i}\n`);
    }
  });

  it('loses nothing when two instances (two processes) write to the same repository at once', async () => {
    const first = await newRepository();
    const second = new LocalGitRepository({ dir: first.dir });
    const writes = Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? first : second).commit({
        message: `Write ${i}`,
        author,
        files: [{ path: `apps/w1/u/p${i}/production/values.yaml`, content: `n: ${i}\n` }],
      }),
    );
    const results = await Promise.all(writes);
    expect(results.every((r) => r.changed)).toBe(true);
    const head = (await first.head()) as string;
    expect(await second.head()).toBe(head);
    expect(await log(first, '%H')).toHaveLength(31);
    expect((await log(first, '%P')).every((p) => !p.includes(' '))).toBe(true);
    const all = await files(first, head);
    for (let i = 0; i < 30; i++) expect(all).toContain(`apps/w1/u/p${i}/production/values.yaml`);
  });

  it('loses nothing when separate processes write to the same repository at once', async () => {
    const repo = await newRepository();
    const module = new URL('./local-git-repository.ts', import.meta.url).href;
    // Each child is a real second process with its own LocalGitRepository and its own queue.
    const child = (id: number) =>
      run(process.execPath, [
        '--input-type=module',
        '--no-warnings',
        '-e',
        `const { LocalGitRepository } = await import(${JSON.stringify(module)});
         const repo = new LocalGitRepository({ dir: ${JSON.stringify(repo.dir)} });
         await Promise.all(Array.from({ length: 8 }, (_, i) => repo.commit({
           message: 'process ${id} write ' + i,
           author: { name: 'p${id}', email: 'p${id}@example.com' },
           files: [{ path: 'apps/p${id}/' + i + '/values.yaml', content: 'i: ' + i + '\\n' }],
         })));`,
      ]);
    const local = Array.from({ length: 8 }, (_, i) =>
      repo.commit({
        message: `local ${i}`,
        author,
        files: [{ path: `apps/local/${i}/values.yaml`, content: `${i}` }],
      }),
    );
    await Promise.all([child(1), child(2), child(3), ...local]);
    expect(await log(repo, '%H')).toHaveLength(1 + 4 * 8);
    expect((await log(repo, '%P')).every((p) => !p.includes(' '))).toBe(true);
    const all = await files(repo, (await repo.head()) as string);
    for (const who of ['p1', 'p2', 'p3', 'local']) {
      for (let i = 0; i < 8; i++) expect(all).toContain(`apps/${who}/${i}/values.yaml`);
    }
  });

  it('deletes a folder in one commit, and only that folder', async () => {
    const repo = await newRepository();
    await repo.commit({
      message: 'Two apps',
      author,
      files: [
        { path: 'apps/w1/u/shop/production/release.json', content: '{}' },
        { path: 'apps/w1/u/shop/production/manifests.yaml', content: 'a' },
        { path: 'apps/w1/u/shop/staging/release.json', content: '{}' },
        { path: 'apps/w1/u/shop-admin/production/release.json', content: '{}' },
      ],
    });
    const before = (await log(repo, '%H')).length;
    const { commit, changed } = await repo.commit({
      message: 'Delete shop',
      author,
      files: [],
      deletePaths: ['apps/w1/u/shop', 'apps/does-not-exist'],
    });
    expect(changed).toBe(true);
    expect(await log(repo, '%H')).toHaveLength(before + 1);
    expect(await files(repo, commit)).toEqual(['README.md', 'apps/w1/u/shop-admin/production/release.json']);
    expect(await repo.readFile(commit, 'apps/w1/u/shop/production/release.json')).toBeUndefined();
  });

  it('replaces a folder with new content in the same commit', async () => {
    const repo = await newRepository();
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
    expect(await files(repo, commit)).toEqual([
      'README.md',
      'bootstrap/root-app.yaml',
      'bootstrap/workspaces/w1.yaml',
    ]);
  });

  it('makes no commit when nothing changes', async () => {
    const repo = await newRepository();
    const change = { message: 'Deploy', author, files: [{ path: 'apps/a/values.yaml', content: 'x: 1\n' }] };
    const first = await repo.commit(change);
    const again = await repo.commit({ ...change, message: 'Deploy again' });
    expect(again).toEqual({ commit: first.commit, changed: false });
    const gone = await repo.commit({
      message: 'Delete nothing',
      author,
      files: [],
      deletePaths: ['apps/missing'],
    });
    expect(gone).toEqual({ commit: first.commit, changed: false });
    expect(await log(repo, '%H')).toHaveLength(2);
  });

  it('records author, committer and message', async () => {
    const repo = await newRepository();
    const message = 'Deploy storefront (production) release 3\n\nImage registry/app@sha256:abc, run r1.';
    const { commit } = await repo.commit({
      message,
      author: { name: 'Alice <Example>', email: 'alice@example.com' },
      files: [{ path: 'x.txt', content: 'x' }],
    });
    const show = async (format: string) =>
      gitLine(['show', '-s', `--format=${format}`, commit], { gitDir: repo.dir });
    expect(await show('%an <%ae>')).toBe('Alice Example <alice@example.com>');
    expect(await show('%cn')).toBe('Wharf');
    expect(await show('%B')).toBe(message);
  });

  it('reads files at a commit: content, absent path, folder, unknown commit', async () => {
    const repo = await newRepository();
    const v1 = await repo.commit({
      message: 'v1',
      author,
      files: [{ path: 'apps/a/values.yaml', content: 'v: 1\n' }],
    });
    const v2 = await repo.commit({
      message: 'v2',
      author,
      files: [{ path: 'apps/a/values.yaml', content: 'v: 2\n' }],
    });
    expect(await repo.readFile(v1.commit, 'apps/a/values.yaml')).toBe('v: 1\n');
    expect(await repo.readFile(v2.commit, '/apps/a/values.yaml')).toBe('v: 2\n');
    expect(await repo.readFile(v2.commit, 'apps/a/missing.yaml')).toBeUndefined();
    expect(await repo.readFile(v2.commit, 'apps/a')).toBeUndefined();
    await expect(repo.readFile('0'.repeat(40), 'apps/a/values.yaml')).rejects.toThrow(/no commit/);
    await expect(repo.readFile('--output=/tmp/x', 'a')).rejects.toThrow(/not a commit id/);
  });

  it('refuses paths outside the repository', async () => {
    const repo = await newRepository();
    for (const path of ['../escape', 'apps/../../x', '.git/config', 'a//b', '']) {
      await expect(repo.commit({ message: 'bad', author, files: [{ path, content: 'x' }] })).rejects.toThrow(
        /not a path/,
      );
    }
    // A refused change does not block the writers queued after it.
    expect(
      (await repo.commit({ message: 'ok', author, files: [{ path: 'ok.txt', content: 'ok' }] })).changed,
    ).toBe(true);
  });

  it('can be cloned, and the clone holds what was committed', async () => {
    const repo = await newRepository();
    await repo.commit({
      message: 'app',
      author,
      files: [{ path: 'apps/a/manifests.yaml', content: 'kind: X\n' }],
    });
    const clone = join(await tempDir(), 'clone');
    await run('git', ['clone', '--quiet', repo.dir, clone]);
    expect(await readFile(join(clone, 'apps/a/manifests.yaml'), 'utf8')).toBe('kind: X\n');
    const branch = await git(['rev-parse', '--abbrev-ref', 'HEAD'], { gitDir: join(clone, '.git') });
    expect(branch.toString().trim()).toBe('main');
  });
});
