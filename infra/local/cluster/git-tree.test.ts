import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitReadError, GitTree, isSafeRepoPath } from './git-tree.ts';

describe('GitTree', () => {
  let root: string;
  let gitDir: string;
  let commit: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wharf-git-tree-'));
    gitDir = join(root, 'repo.git');
    const work = join(root, 'work');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
    };
    const git = (...args: string[]) =>
      execFileSync('git', ['--git-dir', gitDir, '--work-tree', work, ...args], {
        env,
        encoding: 'utf8',
      }).trim();
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', gitDir], { env });
    await mkdir(join(work, 'apps', 'a', 'b'), { recursive: true });
    await writeFile(join(work, 'apps', 'a', 'b', 'release.json'), '{"appName":"x"}\n');
    await writeFile(join(work, 'apps', 'a', 'b', 'values.yaml'), 'type: monolith\n');
    git('add', '--all');
    git('commit', '--quiet', '-m', 'first');
    commit = git('rev-parse', 'HEAD');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('resolves commits, lists folders and reads files at a commit', async () => {
    const tree = new GitTree(gitDir);
    expect(await tree.head()).toBe(commit);
    expect(await tree.resolveCommit(commit.slice(0, 10))).toBe(commit);
    expect(await tree.resolveCommit('0'.repeat(40))).toBeUndefined();
    expect(await tree.listFiles(commit, 'apps/a/b')).toEqual([
      'apps/a/b/release.json',
      'apps/a/b/values.yaml',
    ]);
    expect(await tree.listFiles(commit, 'apps/a/gone')).toEqual([]);
    expect(await tree.readFile(commit, 'apps/a/b/release.json')).toBe('{"appName":"x"}\n');
    expect(await tree.readFile(commit, 'apps/a/b/manifests.yaml')).toBeUndefined();
  });

  it('refuses revisions and paths git could read as options or escapes', async () => {
    const tree = new GitTree(gitDir);
    expect(await tree.resolveCommit('--all')).toBeUndefined();
    await expect(tree.listFiles(commit, '../x')).rejects.toBeInstanceOf(GitReadError);
    await expect(tree.readFile('-p', 'apps/a/b/values.yaml')).rejects.toBeInstanceOf(GitReadError);
    expect(isSafeRepoPath('apps/a/b')).toBe(true);
    expect(isSafeRepoPath('apps/../b')).toBe(false);
    expect(isSafeRepoPath('/etc')).toBe(false);
  });

  it('has no head in an empty or missing repository', async () => {
    const empty = join(root, 'empty.git');
    execFileSync('git', ['init', '--quiet', '--bare', empty], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
    });
    expect(await new GitTree(empty).head()).toBeUndefined();
    expect(await new GitTree(join(root, 'missing.git')).head()).toBeUndefined();
  });
});
