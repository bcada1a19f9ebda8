import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { classifyFailure, firstErrorLine } from '../../../shared/build-failure.ts';
import type { BuildFailureCause } from '../../../shared/deploy-ports.ts';
import { MAX_LOG_LINE_BYTES, splitLogLine } from '../../../shared/log-lines.ts';

/** Longer lines are cut into pieces of at most this many bytes of UTF-8 (between characters). */
export const MAX_LINE_CHARS = MAX_LOG_LINE_BYTES;
/** After SIGTERM, a process group gets this long before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** After the command exits, its leftover output gets this long to drain before the pipes are closed. */
const DRAIN_MS = 2_000;

/** A step of the build failed; the message is the reason shown to the user. */
export class BuildFailure extends Error {
  constructor(
    message: string,
    /** What kind of failure: the user's command unless the output shows otherwise. */
    readonly kind: BuildFailureCause = 'command',
    /** The first line of the command's output that reads as an error, when there was one. */
    readonly firstError?: string | undefined,
  ) {
    super(message);
    this.name = 'BuildFailure';
  }
}

/** Lines kept per command for the failure message: the first error-looking ones and the last ones. */
const KEPT_ERROR_LINES = 20;
const KEPT_LAST_LINES = 50;

/** The build was cancelled while this command ran (or before it started). */
export class BuildCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'BuildCancelled';
  }
}

export interface CommandSpec {
  /** How the log and failure reasons name the command, e.g. `npm run build`. */
  display: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Every complete line of stdout and stderr, as the command printed it (trailing \r removed). */
  onLine?: ((line: string) => void) | undefined;
  /** Keep stdout in memory too (for commands whose output is a value, like `git rev-parse HEAD`). */
  captureStdout?: boolean | undefined;
  /** Called with the process group id once the command runs, so another process could stop it. */
  onSpawn?: ((pid: number) => void) | undefined;
}

/** Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let newline = this.pending.indexOf('\n');
    while (newline !== -1) {
      this.emitLine(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
    if (this.pending.length * 3 > MAX_LINE_CHARS) {
      const pieces = splitLogLine(this.pending);
      this.pending = pieces.pop() ?? '';
      for (const piece of pieces) this.emit(piece);
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending.length > 0) this.emitLine(this.pending);
    this.pending = '';
  }

  private emitLine(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    for (const piece of splitLogLine(text)) this.emit(piece);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Runs one command in its own process group (so cancel and timeout stop everything it started),
 * streaming its output line by line. Arguments are passed as an array, never through a shell.
 * Resolves on exit code 0; otherwise rejects with a BuildFailure whose message a user can act on, or
 * with BuildCancelled when `signal` aborts.
 */
export function runCommand(spec: CommandSpec): Promise<{ stdout: string }> {
  if (spec.signal.aborted) return Promise.reject(new BuildCancelled());
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const given = spec.onLine ?? (() => undefined);
    // The failure message quotes the first error line, and the lines say what kind of failure it was.
    const errorLines: string[] = [];
    const lastLines: string[] = [];
    const onLine = (line: string) => {
      if (errorLines.length < KEPT_ERROR_LINES && firstErrorLine([line]) !== undefined) errorLines.push(line);
      lastLines.push(line);
      if (lastLines.length > KEPT_LAST_LINES) lastLines.shift();
      given(line);
    };
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    const failed = (what: string) => {
      const first = firstErrorLine(errorLines);
      const cause = classifyFailure([...errorLines, ...lastLines].join('\n'));
      return new BuildFailure(`${what}${first ? `: ${first}` : ''} (in the build log below)`, cause, first);
    };

    const stop = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(
        () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'),
        KILL_GRACE_MS,
      );
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, spec.timeoutMs);
    spec.signal.addEventListener('abort', onAbort, { once: true });

    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      spec.signal.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      if (error) reject(error);
      else resolve({ stdout });
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (spec.captureStdout) stdout += chunk.toString('utf8');
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));

    child.once('spawn', () => {
      if (child.pid !== undefined) spec.onSpawn?.(child.pid);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish(
        error.code === 'ENOENT'
          ? new BuildFailure(
              `${spec.display} could not start: ${spec.command} is not installed on this machine`,
              'platform',
            )
          : new BuildFailure(`${spec.display} could not start: ${error.message}`, 'platform'),
      );
    });
    child.once('exit', (code, signal) => {
      // Whatever the command left running in its group (a watcher, a daemon) goes with it; otherwise
      // such a process could hold the pipes open and stall the build.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      const result = (): Error | undefined => {
        if (cancelled) return new BuildCancelled();
        if (timedOut) {
          return new BuildFailure(
            `${spec.display} timed out after ${Math.round(spec.timeoutMs / 1000)} s (in the build log below)`,
          );
        }
        if (code === 0) return undefined;
        if (code !== null) return failed(`${spec.display} exited with code ${code}`);
        return failed(`${spec.display} was stopped by ${signal ?? 'a signal'}`);
      };
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(result());
      }, DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drain);
        finish(result());
      });
    });
  });
}
