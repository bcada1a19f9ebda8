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
export type ReadinessCheck =
  | { type: 'http'; path: string; headers: Record<string, string>; timeoutMs: number }
  | { type: 'tcp'; timeoutMs: number };

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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

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
        resolve(status >= 200 && status < 400 ? undefined : { problem: `HTTP ${status}`, timedOut: false });
      },
    );
    req.once('timeout', () => {
      resolve({ problem: `no answer within ${timeoutMs} ms`, timedOut: true });
      req.destroy();
    });
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve({
        problem: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message,
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
        problem: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message,
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
   * Probes until the app answers, it exits, `timeoutMs` passes or `signal` aborts. Undefined when
   * ready; otherwise why not, in words for the user.
   */
  async waitReady(
    check: ReadinessCheck,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    const what = check.type === 'http' ? `GET ${check.path}` : `TCP port ${this.port}`;
    let last = 'no answer yet';
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    for (;;) {
      if (this.exit) return `${this.display} ${describeExit(this.exit)} before it was ready`;
      if (signal.aborted) return 'the sync was cancelled';
      const budget = Math.max(50, Math.min(check.timeoutMs, deadline - Date.now()));
      const result =
        check.type === 'http' ? await httpProbe(this.port, check, budget) : await tcpProbe(this.port, budget);
      if (result === undefined && !this.exit) return undefined;
      // A probe the deadline cut short says less than the full ones before it.
      const cutShort = result?.timedOut && budget < check.timeoutMs;
      if (result && (!cutShort || last === 'no answer yet')) last = result.problem;
      if (Date.now() >= deadline) {
        return `${this.display} was not ready within ${Math.round(timeoutMs / 100) / 10} s (${what}: ${last})`;
      }
      await Promise.race([sleep(PROBE_INTERVAL_MS), this.exited, aborted]);
    }
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
