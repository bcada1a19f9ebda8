import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PodmanResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** podman failed; the message is its own first error line, which names the object, never a value. */
export class PodmanError extends Error {
  constructor(
    message: string,
    readonly result: PodmanResult,
  ) {
    super(message);
    this.name = 'PodmanError';
  }
}

const OUTPUT_LIMIT = 4_000_000;

/** podman's noise about systemd and syslog on a machine without them: not the reason anything failed. */
const NOISE = /systemd connection|failed to connect to syslog|healthcheck/;

/** The line of podman's stderr that says what went wrong. */
export function podmanProblem(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !NOISE.test(line));
  const error = lines.find((line) => line.startsWith('Error:')) ?? lines.at(-1) ?? '';
  return error.replace(/^Error:\s*/, '');
}

/**
 * The stack's podman: every call runs with the stack's own CONTAINERS_* settings (`env`), so nothing
 * of the machine's container configuration is read or changed. Arguments go as an array, never
 * through a shell.
 */
export class PodmanCli {
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: Readonly<Record<string, string>>) {
    this.env = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...env,
    };
  }

  /** `extraEnv` reaches this one command only (a secret's value, never on its command line). */
  run(args: readonly string[], input?: string, extraEnv?: Record<string, string>): Promise<PodmanResult> {
    return new Promise((resolve) => {
      const child = spawn('podman', args, {
        env: extraEnv ? { ...this.env, ...extraEnv } : this.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout.length < OUTPUT_LIMIT) stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < 64_000) stderr += chunk;
      });
      child.once('error', (error) => resolve({ code: null, stdout, stderr: `Error: ${error.message}` }));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }

  /** Runs podman and returns its stdout; throws a PodmanError saying `what` failed and why. */
  async ok(
    what: string,
    args: readonly string[],
    input?: string,
    extraEnv?: Record<string, string>,
  ): Promise<string> {
    const result = await this.run(args, input, extraEnv);
    if (result.code !== 0) {
      const why = podmanProblem(result.stderr) || `podman exited with code ${result.code}`;
      throw new PodmanError(`${what} failed: ${why}`, result);
    }
    return result.stdout;
  }

  /** A long-running podman command (`logs --follow`) whose stdout and stderr lines go to `onLine`. */
  follow(args: readonly string[], onLine: (line: string) => void): ChildProcess {
    const child = spawn('podman', args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
    }
    child.once('error', () => undefined);
    return child;
  }

  /** Runs podman and parses its JSON output (`--format json`). */
  async json<T>(what: string, args: readonly string[]): Promise<T> {
    const out = (await this.ok(what, args)).trim();
    return (out ? JSON.parse(out) : []) as T;
  }
}
