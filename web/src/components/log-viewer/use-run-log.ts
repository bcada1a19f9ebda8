import type { LogLine } from '@shared/deploy.ts';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useDeployments } from '../../api/deployments-service.ts';
import { type RunStatusEvent, useLive } from '../../live/live-context.tsx';
import { contiguousEnd, contiguousPrefix, findGap, mergeLogLines } from './merge-lines.ts';

const PAGE = 5000;
/**
 * A hole the live tail has not filled after this long is fetched from the stored log. Short: the
 * lines past the hole are held back (never shown out of order) until it is filled; a status event
 * fetches at once, since by then the stored log has the lines.
 */
export const BACKFILL_AFTER_MS = 250;

export interface RunLog {
  lines: readonly LogLine[];
  /** True until the stored lines are in. */
  loading: boolean;
  error: string | undefined;
}

/**
 * A run's whole log: the stored lines first (paged), then the live tail from the last one, merged by
 * seq so a reload or a late join shows every line once. Only the gap-free part is returned: lines
 * that arrive past a hole wait for the backfill. Status events go to `onStatus`.
 */
export function useRunLog(
  workspaceId: string,
  projectId: string,
  runId: string,
  onStatus?: (event: RunStatusEvent) => void,
): RunLog {
  const deployments = useDeployments();
  const { subscribeRun } = useLive();
  const [log, setLog] = useState<RunLog>({ lines: [], loading: true, error: undefined });
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;

  useEffect(() => {
    const controller = new AbortController();
    let lines: readonly LogLine[] = [];
    let unsubscribe: (() => void) | undefined;
    let backfillTimer: ReturnType<typeof setTimeout> | undefined;
    setLog({ lines, loading: true, error: undefined });

    const fetchAfter = async (after: number, until?: number) => {
      let cursor = after;
      for (;;) {
        const page = await deployments.logs(
          workspaceId,
          projectId,
          runId,
          { after: cursor, limit: PAGE },
          controller.signal,
        );
        push(page.lines);
        cursor = page.nextAfter;
        if (!page.more || (until !== undefined && cursor >= until)) return;
      }
    };

    let filling = false;
    const backfill = () => {
      clearTimeout(backfillTimer);
      backfillTimer = undefined;
      const gap = findGap(lines);
      if (!gap || filling) return;
      filling = true;
      fetchAfter(gap.after, gap.next)
        .catch(() => undefined)
        .finally(() => {
          filling = false;
          // Lines may have come past a new hole meanwhile.
          if (!controller.signal.aborted && findGap(lines)) scheduleBackfill();
        });
    };
    const scheduleBackfill = () => {
      if (backfillTimer === undefined && !filling) backfillTimer = setTimeout(backfill, BACKFILL_AFTER_MS);
    };

    let shown: readonly LogLine[] = [];
    const push = (incoming: readonly LogLine[]) => {
      const merged = mergeLogLines(lines, incoming);
      if (merged === lines) return;
      lines = merged;
      const visible = contiguousPrefix(lines);
      if (visible.length !== shown.length) {
        shown = visible;
        setLog((current) => ({ ...current, lines: visible }));
      }
      if (findGap(lines)) scheduleBackfill();
    };

    const start = async () => {
      let error: string | undefined;
      try {
        await fetchAfter(0);
      } catch (e) {
        if (controller.signal.aborted) return;
        // The live channel replays stored lines too: carry on with it, and say what failed.
        error = e instanceof ApiError ? e.message : 'The stored log could not be loaded.';
      }
      if (controller.signal.aborted) return;
      setLog((current) => ({ ...current, loading: false, error }));
      unsubscribe = subscribeRun(runId, contiguousEnd(lines), {
        onLines: push,
        onStatus: (event) => {
          // A step ended: the lines written before it are stored, fetch any still missing now.
          if (findGap(lines)) backfill();
          onStatusRef.current?.(event);
        },
        onError: (e) => setLog((current) => ({ ...current, error: e.message })),
      });
    };
    void start();

    return () => {
      controller.abort();
      clearTimeout(backfillTimer);
      unsubscribe?.();
    };
  }, [deployments, subscribeRun, workspaceId, projectId, runId]);

  return log;
}
