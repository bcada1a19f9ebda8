import type { LogLine, RunEvent } from '@shared/deploy.ts';

/**
 * The one WebSocket a tab keeps to the live channel. It connects on first use, reconnects by itself
 * (backoff with jitter, a fresh token each time), and after a reconnect re-sends every subscription
 * with `after` = the last sequence number of that run it has delivered without a gap, so the server's
 * replay fills in exactly what was missed. Lines that arrive twice around that switch are dropped here,
 * so a handler sees each sequence number once.
 */
export type LiveState = 'idle' | 'connecting' | 'open' | 'reconnecting';

export type RunChangeEvent = Extract<RunEvent, { type: 'run' }>;
export type RunStatusEvent = Extract<RunEvent, { type: 'status' }>;
export interface LiveError {
  code: string;
  message: string;
  runId?: string | undefined;
}

export interface RunHandlers {
  onLines(lines: LogLine[]): void;
  onStatus(event: RunStatusEvent): void;
  onError?(error: LiveError): void;
}

/** The part of the browser's WebSocket the client uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

export interface LiveClientOptions {
  /** The URL to connect to, with a fresh token; `undefined` when nobody is signed in. */
  url(): Promise<string | undefined>;
  createSocket?: SocketFactory;
  /** How often to ping an open socket (API Gateway drops idle connections after 10 minutes). */
  pingIntervalMs?: number;
  /** A ping without a pong for this long means the connection is dead: reconnect. */
  pongTimeoutMs?: number;
  backoffMs?: { initial: number; max: number };
  /** Close the socket this long after the last subscription ends (page changes don't churn it). */
  idleCloseMs?: number;
  random?: () => number;
}

const OPEN = 1;

interface RunSubscription {
  runId: string;
  handlers: RunHandlers;
  /** The highest seq delivered with nothing missing below it: what a resubscribe asks after. */
  contiguous: number;
  /** Lines delivered above `contiguous` (they arrived ahead of a replay). */
  ahead: Set<number>;
}

interface WorkspaceWatch {
  workspaceId: string;
  onEvent(event: RunChangeEvent): void;
}

export class LiveClient {
  #options: Required<Omit<LiveClientOptions, 'url' | 'createSocket'>> &
    Pick<LiveClientOptions, 'url' | 'createSocket'>;
  #socket: SocketLike | undefined;
  #state: LiveState = 'idle';
  #listeners = new Set<(state: LiveState) => void>();
  #runs = new Set<RunSubscription>();
  #watches = new Set<WorkspaceWatch>();
  #enabled = true;
  #attempt = 0;
  /** Bumped on every connect/close, so late callbacks of an old socket or token fetch do nothing. */
  #generation = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LiveClientOptions) {
    this.#options = {
      pingIntervalMs: 30_000,
      pongTimeoutMs: 10_000,
      backoffMs: { initial: 500, max: 15_000 },
      idleCloseMs: 10_000,
      random: Math.random,
      ...options,
    };
  }

  get state(): LiveState {
    return this.#state;
  }

  onStateChange(listener: (state: LiveState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Follows a run's log and status from the line after `after`. */
  subscribeRun(runId: string, after: number, handlers: RunHandlers): () => void {
    const sub: RunSubscription = { runId, handlers, contiguous: after, ahead: new Set() };
    this.#runs.add(sub);
    this.#sendIfOpen({ action: 'subscribe', runId, after });
    this.#inUse();
    return () => {
      this.#runs.delete(sub);
      this.#maybeIdle();
    };
  }

  /** Streams status changes of every run in a workspace. */
  watchWorkspace(workspaceId: string, onEvent: (event: RunChangeEvent) => void): () => void {
    const watch: WorkspaceWatch = { workspaceId, onEvent };
    const already = [...this.#watches].some((w) => w.workspaceId === workspaceId);
    this.#watches.add(watch);
    if (!already) this.#sendIfOpen({ action: 'watch', workspaceId });
    this.#inUse();
    return () => {
      this.#watches.delete(watch);
      this.#maybeIdle();
    };
  }

  /** Signed out: close and stay closed. Signed in: connect again if anything is subscribed. */
  setEnabled(enabled: boolean): void {
    if (this.#enabled === enabled) return;
    this.#enabled = enabled;
    if (!enabled) this.#disconnect();
    else if (this.#hasSubscribers()) void this.#connect();
  }

  /** Closes the socket now (the provider unmounts). */
  dispose(): void {
    this.#runs.clear();
    this.#watches.clear();
    this.#disconnect();
  }

  #hasSubscribers() {
    return this.#runs.size > 0 || this.#watches.size > 0;
  }

  #setState(state: LiveState) {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }

  #inUse() {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#enabled && !this.#socket && this.#reconnectTimer === undefined && this.#state === 'idle') {
      void this.#connect();
    }
  }

  #maybeIdle() {
    if (this.#hasSubscribers()) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (!this.#hasSubscribers()) this.#disconnect();
    }, this.#options.idleCloseMs);
  }

  #disconnect() {
    this.#generation++;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#idleTimer);
    this.#reconnectTimer = undefined;
    this.#idleTimer = undefined;
    this.#stopPing();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
      socket.close(1000, 'unused');
    }
    this.#attempt = 0;
    this.#setState('idle');
  }

  async #connect() {
    const generation = ++this.#generation;
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let url: string | undefined;
    try {
      url = await this.#options.url();
    } catch {
      url = undefined;
    }
    if (generation !== this.#generation) return;
    if (!url) {
      // Not signed in (or the token could not be renewed): try again later, the session may come back.
      this.#scheduleReconnect();
      return;
    }
    const create = this.#options.createSocket ?? ((u: string) => new WebSocket(u) as SocketLike);
    let socket: SocketLike;
    try {
      socket = create(url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (generation !== this.#generation) return;
      this.#attempt = 0;
      this.#setState('open');
      this.#resubscribe();
      this.#startPing();
    };
    socket.onmessage = (event) => {
      if (generation === this.#generation) this.#receive(event.data);
    };
    socket.onerror = () => {
      // A close event follows; reconnecting happens there.
    };
    socket.onclose = () => {
      if (generation !== this.#generation) return;
      this.#socket = undefined;
      this.#stopPing();
      if (this.#enabled && this.#hasSubscribers()) this.#scheduleReconnect();
      else this.#disconnect();
    };
  }

  #scheduleReconnect() {
    this.#generation++;
    this.#attempt++;
    this.#setState('reconnecting');
    const { initial, max } = this.#options.backoffMs;
    const base = Math.min(max, initial * 2 ** (this.#attempt - 1));
    // Full jitter on the upper half, so many tabs don't reconnect in step after an outage.
    const delay = base / 2 + (this.#options.random() * base) / 2;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#enabled && this.#hasSubscribers()) void this.#connect();
      else this.#disconnect();
    }, delay);
  }

  #resubscribe() {
    for (const workspaceId of new Set([...this.#watches].map((w) => w.workspaceId))) {
      this.#sendIfOpen({ action: 'watch', workspaceId });
    }
    for (const sub of this.#runs) {
      this.#sendIfOpen({ action: 'subscribe', runId: sub.runId, after: sub.contiguous });
    }
  }

  #startPing() {
    this.#stopPing();
    this.#pingTimer = setInterval(() => {
      this.#sendIfOpen({ action: 'ping' });
      if (this.#pongTimer === undefined) {
        this.#pongTimer = setTimeout(() => {
          this.#pongTimer = undefined;
          // No answer: the connection is dead even if the browser has not noticed yet.
          const socket = this.#socket;
          this.#socket = undefined;
          this.#stopPing();
          if (socket) {
            socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
            socket.close(4000, 'no pong');
          }
          this.#scheduleReconnect();
        }, this.#options.pongTimeoutMs);
      }
    }, this.#options.pingIntervalMs);
  }

  #stopPing() {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
  }

  #sendIfOpen(message: unknown) {
    if (this.#socket && this.#socket.readyState === OPEN) this.#socket.send(JSON.stringify(message));
  }

  #receive(data: unknown) {
    // Any message proves the connection is alive.
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(String(data)) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'log':
        for (const sub of this.#subsOf(message.runId)) {
          const fresh = takeFresh(sub, (message.lines as LogLine[] | undefined) ?? []);
          if (fresh.length > 0) sub.handlers.onLines(fresh);
        }
        break;
      case 'status':
        for (const sub of this.#subsOf(message.runId)) sub.handlers.onStatus(message as RunStatusEvent);
        break;
      case 'run':
        for (const watch of [...this.#watches]) {
          if (watch.workspaceId === message.workspaceId) watch.onEvent(message as RunChangeEvent);
        }
        break;
      case 'error': {
        const error: LiveError = {
          code: String(message.code ?? 'live.error'),
          message: String(message.message ?? 'The live channel reported an error.'),
          runId: typeof message.runId === 'string' ? message.runId : undefined,
        };
        for (const sub of this.#subsOf(message.runId)) sub.handlers.onError?.(error);
        break;
      }
      default:
        break;
    }
  }

  #subsOf(runId: unknown): RunSubscription[] {
    return [...this.#runs].filter((s) => s.runId === runId);
  }
}

/** Drops lines the subscription already delivered and advances its gap-free high-water mark. */
function takeFresh(sub: RunSubscription, lines: readonly LogLine[]): LogLine[] {
  const fresh: LogLine[] = [];
  for (const line of lines) {
    if (line.seq <= sub.contiguous || sub.ahead.has(line.seq)) continue;
    fresh.push(line);
    if (line.seq === sub.contiguous + 1) {
      sub.contiguous = line.seq;
      while (sub.ahead.delete(sub.contiguous + 1)) sub.contiguous++;
    } else {
      sub.ahead.add(line.seq);
    }
  }
  return fresh;
}
