import { request } from 'node:http';
import WebSocket from 'ws';
import type { LogLine, RunStatus } from '../../../shared/deploy.ts';
import { TERMINAL_STATUSES } from '../../../shared/deploy.ts';

/**
 * GET (or with `init`, any method with a JSON body) a `*.localhost` live URL through the gateway with
 * the right Host header (no DNS needed).
 */
export function getLive(
  liveUrl: string,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(liveUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: url.port,
        path: url.pathname,
        method: init.method ?? 'GET',
        headers: {
          host: url.host,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface Watch {
  lines: LogLine[];
  statuses: RunStatus[];
  errors: Array<{ code: string }>;
  /** Resolves with the final status once the run ends (and its last lines are in). */
  done: Promise<RunStatus>;
  /** When each line arrived (ms, performance.now()), by sequence number. */
  arrivals: Map<number, number>;
  close(): void;
}

/** Subscribes to a run over the WebSocket like the web app does, keeping lines in order by seq. */
export async function watchRun(baseUrl: string, token: string, runId: string, after = 0): Promise<Watch> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_r, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
  const seen = new Map<number, LogLine>();
  const watch: Watch = {
    lines: [],
    statuses: [],
    errors: [],
    arrivals: new Map(),
    done: undefined as never,
    close: () => socket.close(),
  };
  watch.done = new Promise<RunStatus>((resolve) => {
    socket.on('message', (data) => {
      const now = performance.now();
      let message: { type?: string; lines?: LogLine[]; status?: RunStatus; code?: string };
      try {
        message = JSON.parse(String(data));
      } catch {
        watch.errors.push({ code: 'not-json' });
        return;
      }
      if (message.type === 'log') {
        for (const line of message.lines ?? []) {
          if (!seen.has(line.seq)) {
            seen.set(line.seq, line);
            watch.arrivals.set(line.seq, now);
          }
        }
        watch.lines = [...seen.values()].sort((a, b) => a.seq - b.seq);
      } else if (message.type === 'status') {
        const status = message.status as RunStatus;
        watch.statuses.push(status);
        if (TERMINAL_STATUSES.has(status)) setTimeout(() => resolve(status), 300);
      } else if (message.type === 'error') {
        watch.errors.push({ code: String(message.code) });
      }
    });
  });
  socket.send(JSON.stringify({ action: 'subscribe', runId, after }));
  return watch;
}
