import { spawn } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { asTenant, giveToTenant, tenantPath, tenantRoot } from '../tenant-sandbox.ts';
import { maskSecrets, RingBuffer } from './app-output.ts';
import { type StaticServer, serveStatic } from './static-server.ts';

/** How an app folder runs on this machine. */
export type LaunchPlan =
  | { kind: 'command'; display: string; command: string; args: string[] }
  | { kind: 'static'; display: string; root: string };

/** What the readiness probe asks: an HTTP GET answered 2xx/3xx, or a TCP connection accepted. */
export type ReadinessCheck = (
  | { type: 'http'; path: string; headers: Record<string, string>; timeoutMs: number }
  | { type: 'tcp'; timeoutMs: number }
) & {
  /** How long the kubelet would probe before calling the pod not ready (initial delay + failureThreshold × period). */
  budgetMs?: number | undefined;
  /** The container port the probe targets, as the user configured it (shown in messages). */
  port?: number | undefined;
};

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started at all. */
  error?: string | undefined;
}

export interface LaunchOptions {
  plan: LaunchPlan;
  /** The built app folder; the process runs in a copy of it outside the data folder. */
  cwd: string;
  /** Where that copy and the process's HOME go (never inside the data folder); default the system's temporary folder. */
  workRoot?: string | undefined;
  /** The container's env (plain and resolved secret values); PORT is added. */
  env: Record<string, string>;
  port: number;
  /** Identifies what runs (digest, plan, env), so an identical request does not restart it. */
  key: string;
  /** Secret values to mask in the output. */
  secrets: readonly string[];
  /** Every output line, masked, for the app's log. */
  onLine: (line: string) => void;
}

const PROBE_INTERVAL_MS = 50;
/** While waiting for readiness, the run log gets a countdown this often. */
const COUNTDOWN_MS = 5_000;
const TAIL_LINES = 30;
/** After the process exits, its pipes get this long to deliver their last lines. */
const DRAIN_MS = 1_000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

export function describeExit(exit: ExitInfo): string {
  if (exit.error) return `could not start: ${exit.error}`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return `was stopped by ${exit.signal ?? 'a signal'}`;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const REFUSED = 'connection refused';

/**
 * The port an app said it listens on, from its own output ("listening on 5000", "Server running at
 * http://localhost:5000/", "port: 5000"): the last such line, quoted, and the number.
 */
export function printedPort(lines: readonly string[]): { line: string; port: number } | undefined {
  const said = /\b(?:listen\w*|running|started|serving|server|ready|port)\b/i;
  const number = /(?:\bport\b\s*[:=]?\s*|:|\b(?:on|at)\s+)(\d{2,5})\b/i;
  for (const line of [...lines].reverse()) {
    if (!said.test(line)) continue;
    const port = Number(number.exec(line)?.[1]);
    if (port > 0 && port < 65_536) return { line: line.trim(), port };
  }
  return undefined;
}

/** Undefined when the probe passed; otherwise what it saw, and whether it ran out of time. */
type ProbeResult = { problem: string; timedOut: boolean } | undefined;

function httpProbe(
  port: number,
  check: Extract<ReadinessCheck, { type: 'http' }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: check.path,
        method: 'GET',
        headers: { 'user-agent': 'kube-probe/wharf-local', ...check.headers },
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? undefined : { problem: String(status), timedOut: false });
      },
    );
    req.once('timeout', () => {
      resolve({ problem: `no answer within ${timeoutMs} ms`, timedOut: true });
      req.destroy();
    });
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve({
        problem: error.code === 'ECONNREFUSED' ? REFUSED : error.message,
        timedOut: false,
      }),
    );
    req.end();
  });
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      resolve({ problem: `no connection within ${timeoutMs} ms`, timedOut: true });
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve({
        problem: error.code === 'ECONNREFUSED' ? REFUSED : error.message,
        timedOut: false,
      }),
    );
  });
}

/**
 * One running copy of an app on a loopback port: a child process in its own process group (so
 * stopping it stops whatever it started), or the built-in static file server. Its last lines are
 * kept for the message shown when it fails.
 */
export class AppInstance {
  /** Resolves once the process (or server) is gone, however it ended. */
  readonly exited: Promise<ExitInfo>;
  readonly startedAt = Date.now();
  /** The reconciler asked it to stop: its exit is not a crash. */
  stopRequested = false;
  private exit: ExitInfo | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly port: number,
    readonly key: string,
    readonly display: string,
    /** The last lines this instance printed, masked. */
    readonly tail: RingBuffer<string>,
    private readonly handle: { pid: number } | { server: StaticServer },
    exited: Promise<ExitInfo>,
  ) {
    this.exited = exited.then((exit) => {
      this.exit = exit;
      return exit;
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  static async launch(options: LaunchOptions): Promise<AppInstance> {
    const { plan, port } = options;
    const tail = new RingBuffer<string>(TAIL_LINES);
    const emit = (raw: string) => {
      const line = maskSecrets(raw, options.secrets);
      tail.push(line);
      options.onLine(line);
    };
    if (plan.kind === 'static') {
      const server = await serveStatic(plan.root, port, emit);
      const closed = server.closed.then((): ExitInfo => ({ code: 0, signal: null }));
      return new AppInstance(port, options.key, plan.display, tail, { server }, closed);
    }

    // Its own working tree and a scratch HOME per process, as a container would have, outside the data
    // folder: npm's cache and logs go there, not into the developer's home or the artifact, and the
    // app (as the tenant user when there is one) finds nothing of the platform by walking up.
    const base = await tenantRoot(options.workRoot ?? tmpdir(), 'wharf-app-');
    const home = join(base, 'home');
    const tree = join(base, 'app');
    try {
      await mkdir(home, { mode: 0o700 });
      await cp(options.cwd, tree, { recursive: true, verbatimSymlinks: true });
      await giveToTenant(base);
    } catch (error) {
      await rm(base, { recursive: true, force: true });
      // File system errors name files: relative to the app, never the server's folders.
      const message = (error as Error).message.split(`${tree}/`).join('').split(base).join('…');
      throw new Error(message.split(options.cwd).join('…'));
    }
    const tenant = asTenant(plan.command, plan.args);
    const child = spawn(tenant.command, tenant.args, {
      cwd: tree,
      env: {
        PATH: tenantPath(),
        HOME: home,
        LANG: process.env.LANG ?? 'C.UTF-8',
        // What the generated image sets; the app's own env may say otherwise.
        NODE_ENV: 'production',
        npm_config_cache: join(home, '.npm'),
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        ...options.env,
        PORT: String(port),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', emit);
    }
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error: error.message }));
      child.once('exit', (code, signal) => {
        // Whatever the app left running in its group goes with it (and releases the pipes).
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        const drain = setTimeout(() => resolve({ code, signal }), DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drain);
          resolve({ code, signal });
        });
      });
    }).then(async (exit) => {
      await rm(base, { recursive: true, force: true }).catch(() => undefined);
      return exit;
    });
    return new AppInstance(port, options.key, plan.display, tail, { pid: child.pid ?? -1 }, exited);
  }

  /** The process's id (its process group's), for tests and diagnostics; undefined for the static server. */
  get pid(): number | undefined {
    return 'pid' in this.handle && this.handle.pid > 0 ? this.handle.pid : undefined;
  }

  /**
   * Probes until the app answers, it exits, the probe's budget (or `timeoutMs`, if shorter) passes or
   * `signal` aborts. Undefined when ready; otherwise why not, in words for the user that quote the
   * last answer (`GET /ready on :3000 → 404`). `report` gets each new answer and, every 5 s, how long
   * is left, for the run log.
   */
  async waitReady(
    check: ReadinessCheck,
    timeoutMs: number,
    signal: AbortSignal,
    report: (line: string) => void = () => undefined,
  ): Promise<string | undefined> {
    const limitMs = Math.min(timeoutMs, check.budgetMs ?? timeoutMs);
    const start = Date.now();
    const deadline = start + limitMs;
    const port = check.port ?? this.port;
    const what = check.type === 'http' ? `GET ${check.path} on :${port}` : `TCP :${port}`;
    let last: string | undefined;
    let said: string | undefined;
    let nextCountdown = start + COUNTDOWN_MS;
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    report(`[wharf] probing ${what} for up to ${seconds(limitMs)} s`);
    for (;;) {
      if (this.exit) return `${this.display} ${describeExit(this.exit)} before it was ready`;
      if (signal.aborted) return 'the sync was cancelled';
      const budget = Math.max(50, Math.min(check.timeoutMs, deadline - Date.now()));
      const result =
        check.type === 'http' ? await httpProbe(this.port, check, budget) : await tcpProbe(this.port, budget);
      if (result === undefined && !this.exit) {
        report(`[wharf] ${what} → ready after ${seconds(Date.now() - start)} s`);
        return undefined;
      }
      // A probe the deadline cut short says less than the full ones before it.
      const cutShort = result?.timedOut && budget < check.timeoutMs;
      if (result && (!cutShort || last === undefined)) {
        const answer = this.answer(what, port, result.problem);
        if (answer !== said) report(`[wharf] ${answer}`);
        said = answer;
        last = answer;
      }
      const now = Date.now();
      if (now >= deadline) {
        return `${this.display} was not ready within ${seconds(limitMs)} s: ${last ?? `${what} → no answer`}`;
      }
      if (now >= nextCountdown) {
        report(`[wharf] waiting for ${what} (${Math.ceil((deadline - now) / 1_000)} s left)`);
        nextCountdown += COUNTDOWN_MS;
      }
      await Promise.race([sleep(PROBE_INTERVAL_MS), this.exited, aborted]);
    }
  }

  /** One probe's answer in words: the status, or — when nothing listens — the port the app printed. */
  private answer(what: string, port: number, problem: string): string {
    if (problem !== REFUSED) return `${what} → ${problem}`;
    const printed = printedPort(this.tail.toArray());
    // The app gets PORT (this instance's port); a port it printed that is not that one is where it listens.
    if (printed && printed.port !== this.port) {
      // Locally the app runs on a loopback port of its own, not the container port: it must read $PORT.
      const local = printed.port === port ? ` (here it must listen on $PORT, which is ${this.port})` : '';
      return `nothing listens on :${port} — the app printed "${printed.line}"${local}`;
    }
    return `nothing listens on :${port} yet (${what} → connection refused)`;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; the static server closes its connections. */
  stop(graceMs = 5_000): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (async () => {
      if (this.running) {
        if ('server' in this.handle) await this.handle.server.close(graceMs);
        else if (this.handle.pid > 0) {
          const pid = this.handle.pid;
          killGroup(pid, 'SIGTERM');
          const force = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
          await this.exited;
          clearTimeout(force);
        }
      }
      await this.exited;
    })();
    return this.stopping;
  }
}
