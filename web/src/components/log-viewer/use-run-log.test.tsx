import type { LogLine, RunStatus } from '@shared/deploy.ts';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { ServicesProvider } from '../../api/context.tsx';
import { type Live, type RunHandlers, StaticLiveProvider } from '../../live/live-context.tsx';
import { fakeApi, testConfig } from '../../testing/harness.tsx';
import { useRunLog } from './use-run-log.ts';

const line = (seq: number): LogLine => ({
  seq,
  at: '2025-01-01T00:00:00.000Z',
  stream: 'build',
  text: `line ${seq}`,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const status = (s: RunStatus) => ({ type: 'status' as const, runId: 'r1', status: s, steps: [] });

describe('useRunLog', () => {
  it('never shows a hole: a 20 000-line build that reaches "Deployed" with lines missing stays in order', async () => {
    // The stored log: 200 lines when the page opens, 20 036 by the time the run is deployed.
    let stored = range(1, 200);
    const { api, calls } = fakeApi({
      'GET /workspaces/w1/projects/p1/deployments/r1/logs': ({
        query,
      }: {
        query?: Record<string, unknown>;
      }) => {
        const after = Number(query?.after ?? 0);
        const limit = Number(query?.limit ?? 5000);
        const lines = stored.filter((l) => l.seq > after).slice(0, limit);
        return {
          lines,
          nextAfter: lines.at(-1)?.seq ?? after,
          more: stored.some((l) => l.seq > (lines.at(-1)?.seq ?? after)),
        };
      },
    });
    let handlers: RunHandlers | undefined;
    const live: Live = {
      state: 'open',
      watchWorkspace: () => () => {},
      subscribeRun: (_runId, _after, h) => {
        handlers = h;
        return () => {};
      },
    };
    const wrapper = ({ children }: { children: ReactNode }) => (
      <ServicesProvider services={{ api, config: testConfig() }}>
        <StaticLiveProvider live={live}>{children}</StaticLiveProvider>
      </ServicesProvider>
    );
    const seen: number[][] = [];
    const { result } = renderHook(
      () => {
        const log = useRunLog('w1', 'p1', 'r1');
        seen.push([log.lines.length, log.lines.at(-1)?.seq ?? 0]);
        return log;
      },
      { wrapper },
    );
    await waitFor(() => expect(handlers).toBeDefined());
    expect(result.current.lines).toHaveLength(200);

    act(() => handlers?.onLines([line(201)]));
    expect(result.current.lines.at(-1)?.seq).toBe(201);

    // The big batch never reached this tab; the run's last lines and "Deployed" do.
    stored = range(1, 20_036);
    const before = calls.length;
    act(() => {
      handlers?.onLines(range(20_034, 20_036));
      handlers?.onStatus(status('deployed'));
    });
    // Held back, not shown after 201 …
    expect(result.current.lines.at(-1)?.seq).toBe(201);
    // … and fetched at once (the status change), not after a timer.
    expect(calls.length).toBeGreaterThan(before);
    await waitFor(() => expect(result.current.lines).toHaveLength(20_036));
    result.current.lines.forEach((l, i) => {
      if (l.seq !== i + 1) throw new Error(`line ${i + 1} is seq ${l.seq}`);
    });
    // Every render showed a gap-free log: its last seq is its length.
    for (const [length, last] of seen) expect(last).toBe(length);
  });
});
