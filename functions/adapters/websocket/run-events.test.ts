import { describe, expect, it } from 'vitest';
import type { LogLine, RunEvent } from '../../../shared/deploy.ts';
import type { Watcher } from '../../../shared/deploy-ports.ts';
import { MAX_MESSAGE_BYTES, splitLogEvent, WebSocketRunEvents } from './run-events.ts';

const lines = (n: number): LogLine[] =>
  Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    at: '2025-01-01T00:00:00.000Z',
    stream: 'build',
    text: `#12 [build 4/9] RUN npm ci — line ${i + 1} of a long build output`,
  }));
const bytes = (message: unknown) => new TextEncoder().encode(JSON.stringify(message)).length;

describe('splitLogEvent', () => {
  it('cuts a 20 000-line event into messages under the 128 KB PostToConnection limit, in order', () => {
    const event: RunEvent = { type: 'log', runId: 'r1', lines: lines(20_000) };
    expect(bytes(event)).toBeGreaterThan(128 * 1024);
    const messages = splitLogEvent(event);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(bytes(m)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const seqs = messages.flatMap((m) => (m.type === 'log' ? m.lines.map((l) => l.seq) : []));
    expect(seqs).toEqual(event.lines.map((l) => l.seq));
  });

  it('leaves small log events and status events whole', () => {
    const small: RunEvent = { type: 'log', runId: 'r1', lines: lines(3) };
    expect(splitLogEvent(small)).toEqual([small]);
    const status: RunEvent = { type: 'status', runId: 'r1', status: 'deployed', steps: [] };
    expect(splitLogEvent(status)).toEqual([status]);
  });
});

describe('WebSocketRunEvents', () => {
  it('pushes every line of a huge batch to a watcher, each message within the limit', async () => {
    const watcher: Watcher = { connectionId: 'c1', userId: 'alice' };
    const sent: unknown[] = [];
    const events = new WebSocketRunEvents(
      {
        save: async () => {},
        get: async () => undefined,
        remove: async () => {},
        watch: async () => {},
        watchers: async () => [watcher],
      },
      {
        // Like API Gateway: a payload over 128 KB is refused.
        send: async (_id, message) => {
          if (bytes(message) > 128 * 1024) throw new Error('PayloadTooLargeException');
          sent.push(message);
          return true;
        },
      },
      {
        getMembership: async () => ({
          workspaceId: 'w1',
          userId: 'alice',
          role: 'owner',
          addedAt: '2025-01-01T00:00:00Z',
          addedBy: 'alice',
        }),
      },
    );
    await events.publish(
      { type: 'log', runId: 'r1', lines: lines(20_000) },
      { runId: 'r1', workspaceId: 'w1' },
    );
    const seqs = sent.flatMap((m) => (m as { lines: LogLine[] }).lines.map((l) => l.seq));
    expect(seqs).toHaveLength(20_000);
    expect(seqs.at(-1)).toBe(20_000);
  });
});
