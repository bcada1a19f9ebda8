import { spawn } from 'node:child_process';
import { devNull } from 'node:os';

/** A git command that exited non-zero. `stderr` is git's own message, kept for logs and retries. */
export class GitError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(
      `git ${args[0] ?? ''} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
    this.name = 'GitError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface GitOptions {
  /** The git directory (a bare repository). */
  gitDir: string;
  /** Written to the command's stdin. */
  input?: string | Buffer | undefined;
  /** Extra environment (GIT_INDEX_FILE, author and committer). */
  env?: Record<string, string> | undefined;
}

/**
 * Runs git with an argument array: never through a shell, so no argument is ever interpreted.
 * The user's and system's git config are ignored, so a developer's hooks, signing or templates
 * can't change what Wharf writes; only the repository's own config applies.
 */
export function git(args: readonly string[], options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/',
        LC_ALL: 'C',
        GIT_DIR: options.gitDir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: devNull,
        GIT_TERMINAL_PROMPT: '0',
        GIT_LITERAL_PATHSPECS: '1',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
    });
    // A command that exits before reading stdin closes the pipe; its exit code tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** git's output as one trimmed line (object ids, ref values). */
export async function gitLine(args: readonly string[], options: GitOptions): Promise<string> {
  return (await git(args, options)).toString('utf8').trim();
}
