import type { LogLine } from '@shared/deploy.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient, type RunStatusEvent, type SocketLike } from './live-client.ts';

/** A WebSocket stand-in: records what the client sends, lets the test play the server. */
class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  sent: Array<Record<string, unknown>> = [];
  closed = false;

  constructor(readonly url: string) {}

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  // The server's side:
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(message: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code: 1006 }));
  }
}

const line = (seq: number): LogLine => ({
  seq,
  at: '2025-01-01T00:00:00Z',
  stream: 'build',
  text: `l${seq}`,
});
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const RUN = 'r0000000001';

function setup(
  token: () => string | undefined = (() => {
    let n = 0;
    return () => `token-${++n}`;
  })(),
) {
  const sockets: FakeSocket[] = [];
  const client = new LiveClient({
    url: async () => {
      const t = token();
      return t ? `ws://test/ws?token=${t}` : undefined;
    },
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    backoffMs: { initial: 1000, max: 8000 },
    pingIntervalMs: 30_000,
    pongTimeoutMs: 5_000,
    idleCloseMs: 10_000,
    random: () => 1,
  });
  const states: string[] = [];
  client.onStateChange((s) => states.push(s));
  return { client, sockets, states, last: () => sockets.at(-1) as FakeSocket };
}

describe('LiveClient', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('connects on first use with the token and subscribes once open', async () => {
    const { client, sockets, last, states } = setup();
    expect(sockets).toHaveLength(0);
    const onLines = vi.fn();
    client.subscribeRun(RUN, 0, { onLines, onStatus: vi.fn() });
    await vi.advanceTimersByTimeAsync(0);
    expect(last().url).toBe('ws://test/ws?token=token-1');
    expect(client.state).toBe('connecting');
    last().open();
    expect(client.state).toBe('open');
    expect(last().sent).toEqual([{ action: 'subscribe', runId: RUN, after: 0 }]);
    last().receive({ type: 'log', runId: RUN, lines: lines(1, 3) });
    expect(onLines).toHaveBeenCalledWith(lines(1, 3));
    expect(states).toEqual(['connecting', 'open']);
  });

  it('reconnects with backoff and a fresh token, resubscribing after the last seq without duplicates', async () => {
    const { client, sockets, last } = setup();
    const received: number[] = [];
    const onStatus = vi.fn();
    client.subscribeRun(RUN, 0, { onLines: (ls) => received.push(...ls.map((l) => l.seq)), onStatus });
    client.watchWorkspace('wabc123', vi.fn());
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    last().receive({ type: 'log', runId: RUN, lines: lines(1, 5) });

    last().drop();
    expect(client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(999);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    expect(last().url).toContain('token=token-2');
    last().open();
    expect(last().sent).toEqual([
      { action: 'watch', workspaceId: 'wabc123' },
      { action: 'subscribe', runId: RUN, after: 5 },
    ]);
    // The server's replay may overlap what was delivered before the drop.
    last().receive({ type: 'log', runId: RUN, lines: lines(4, 8) });
    last().receive({ type: 'status', runId: RUN, status: 'building', steps: [] });
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(onStatus).toHaveBeenCalledWith(expect.objectContaining({ status: 'building' }));
  });

  it('asks after the last gap-free seq when lines arrived ahead of the replay', async () => {
    const { client, last } = setup();
    const received: number[] = [];
    client.subscribeRun(RUN, 0, {
      onLines: (ls) => received.push(...ls.map((l) => l.seq)),
      onStatus: vi.fn(),
    });
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    last().receive({ type: 'log', runId: RUN, lines: [line(1), line(2), line(6)] });
    last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    last().open();
    expect(last().sent).toContainEqual({ action: 'subscribe', runId: RUN, after: 2 });
    last().receive({ type: 'log', runId: RUN, lines: lines(3, 7) });
    expect(received).toEqual([1, 2, 6, 3, 4, 5, 7]);
  });

  it('doubles the delay after each failed attempt, up to the maximum', async () => {
    const { client, sockets, last } = setup();
    client.subscribeRun(RUN, 0, { onLines: vi.fn(), onStatus: vi.fn() });
    await vi.advanceTimersByTimeAsync(0);
    const delays = [1000, 2000, 4000, 8000, 8000];
    for (const delay of delays) {
      const before = sockets.length;
      last().drop();
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(sockets).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(sockets).toHaveLength(before + 1);
    }
    last().open();
    last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(delays.length + 2);
  });

  it('pings while open and reconnects when no pong comes back', async () => {
    const { client, sockets, last } = setup();
    client.subscribeRun(RUN, 0, { onLines: vi.fn(), onStatus: vi.fn() });
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(last().sent.at(-1)).toEqual({ action: 'ping' });
    last().receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000); // second ping unanswered
    expect(sockets[0]?.closed).toBe(true);
    expect(client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
  });

  it('routes run events of watched workspaces and errors of subscribed runs', async () => {
    const { client, last } = setup();
    const onEvent = vi.fn();
    const onError = vi.fn();
    client.watchWorkspace('wabc123', onEvent);
    client.subscribeRun(RUN, 0, { onLines: vi.fn(), onStatus: vi.fn(), onError });
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    const event = { type: 'run', runId: RUN, projectId: 'p1', workspaceId: 'wabc123', status: 'deployed' };
    last().receive(event);
    last().receive({ ...event, workspaceId: 'wother00' });
    last().receive({ type: 'error', code: 'run.not_found', message: 'No run', runId: RUN });
    expect(onEvent).toHaveBeenCalledTimes(1);
    expect(onEvent).toHaveBeenCalledWith(event);
    expect(onError).toHaveBeenCalledWith({ code: 'run.not_found', message: 'No run', runId: RUN });
  });

  it('stops delivering after unsubscribe and closes the socket once unused', async () => {
    const { client, last } = setup();
    const onStatus = vi.fn<(e: RunStatusEvent) => void>();
    const unsubscribe = client.subscribeRun(RUN, 0, { onLines: vi.fn(), onStatus });
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    unsubscribe();
    last().receive({ type: 'status', runId: RUN, status: 'deployed', steps: [] });
    expect(onStatus).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(last().closed).toBe(true);
    expect(client.state).toBe('idle');
  });

  it('does not connect while signed out, and connects when signed in', async () => {
    const { client, sockets } = setup();
    client.setEnabled(false);
    client.subscribeRun(RUN, 0, { onLines: vi.fn(), onStatus: vi.fn() });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(0);
    expect(client.state).toBe('idle');
    client.setEnabled(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(1);
  });
});
