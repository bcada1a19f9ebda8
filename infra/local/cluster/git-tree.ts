import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';

/** A GitOps repository read failed for a reason other than "not there". */
export class GitReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitReadError';
  }
}

const REVISION = /^[0-9a-f]{4,64}$/;
const FOLDER = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** True for a repository-relative folder or file path with no `.`/`..` segments and nothing git could read as an option. */
export const isSafeRepoPath = (path: string): boolean =>
  FOLDER.test(path) && !path.split('/').some((segment) => segment === '.' || segment === '..');

export const isRevision = (revision: string): boolean => REVISION.test(revision);

interface GitResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Read-only access to a commit's tree in a bare repository through the git CLI: what Argo CD's repo
 * server does when it renders an app at a revision. Arguments go as an array, never through a shell,
 * and git runs without the user's or the system's configuration.
 */
export class GitTree {
  constructor(private readonly gitDir: string) {}

  private run(args: readonly string[]): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['--git-dir', this.gitDir, ...args], {
        env: {
          PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
          LANG: 'C',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_TERMINAL_PROMPT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4_000) stderr += chunk.toString('utf8');
      });
      child.once('error', (error) => reject(new GitReadError(`git could not start: ${error.message}`)));
      child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: stderr.trim() }));
    });
  }

  private failure(what: string, result: GitResult): GitReadError {
    return new GitReadError(`${what} failed: ${result.stderr || `git exited with code ${result.code}`}`);
  }

  /** The full commit id a revision names, or undefined when the repository has no such commit. */
  async resolveCommit(revision: string): Promise<string | undefined> {
    if (revision !== 'HEAD' && !isRevision(revision)) return undefined;
    const result = await this.run([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${revision}^{commit}`,
    ]);
    if (result.code === 0) return result.stdout.toString('utf8').trim();
    if (result.code === 1) return undefined;
    throw this.failure(`Resolving ${revision}`, result);
  }

  /** The commit HEAD points to; undefined in a repository without commits, or before it exists. */
  async head(): Promise<string | undefined> {
    try {
      await access(this.gitDir);
    } catch {
      return undefined;
    }
    return this.resolveCommit('HEAD');
  }

  /** Every file under `folder` at `commit` (full paths), or none when the folder is not there. */
  async listFiles(commit: string, folder: string): Promise<string[]> {
    if (!isRevision(commit)) throw new GitReadError(`"${commit}" is not a commit id`);
    if (!isSafeRepoPath(folder)) throw new GitReadError(`"${folder}" is not a folder of the repository`);
    const result = await this.run(['ls-tree', '-r', '-z', '--name-only', commit, '--', `${folder}/`]);
    if (result.code !== 0) throw this.failure(`Listing ${folder} at ${commit}`, result);
    return result.stdout
      .toString('utf8')
      .split('\0')
      .filter((path) => path !== '');
  }

  /** A file's text at `commit`, or undefined when it is not there. */
  async readFile(commit: string, path: string): Promise<string | undefined> {
    if (!isRevision(commit)) throw new GitReadError(`"${commit}" is not a commit id`);
    if (!isSafeRepoPath(path)) throw new GitReadError(`"${path}" is not a file of the repository`);
    const exists = await this.run(['cat-file', '-e', `${commit}:${path}`]);
    if (exists.code !== 0) return undefined;
    const result = await this.run(['cat-file', 'blob', `${commit}:${path}`]);
    if (result.code !== 0) throw this.failure(`Reading ${path} at ${commit}`, result);
    return result.stdout.toString('utf8');
  }
}
