import type { LogLine } from '@shared/deploy.ts';

/**
 * Merges lines into a log kept ordered by `seq` without duplicates. Replay (REST) and the live tail
 * overlap around the switch; lines may also arrive out of order. Returns `current` itself when
 * nothing is new, so React skips the render.
 */
export function mergeLogLines(current: readonly LogLine[], incoming: readonly LogLine[]): readonly LogLine[] {
  if (incoming.length === 0) return current;
  const sorted = dedupeSorted([...incoming].sort((a, b) => a.seq - b.seq));
  const last = current.at(-1);
  const first = sorted[0] as LogLine;
  // The streaming case: everything is newer than what we hold.
  if (!last || first.seq > last.seq) return current.concat(sorted);

  const merged: LogLine[] = [];
  let i = 0;
  let j = 0;
  let added = false;
  while (i < current.length || j < sorted.length) {
    const a = current[i];
    const b = sorted[j];
    if (b === undefined || (a !== undefined && a.seq < b.seq)) {
      merged.push(a as LogLine);
      i++;
    } else if (a === undefined || b.seq < a.seq) {
      merged.push(b);
      added = true;
      j++;
    } else {
      merged.push(a); // same seq: keep the line we already show
      i++;
      j++;
    }
  }
  return added ? merged : current;
}

function dedupeSorted(lines: LogLine[]): LogLine[] {
  return lines.filter((line, k) => k === 0 || (lines[k - 1] as LogLine).seq !== line.seq);
}

/**
 * The first hole in a log that should hold every line from `from + 1` on (sequence numbers are
 * consecutive per run): `after` is the last line before the hole, `next` the first one after it.
 * O(log n): a complete log has `last.seq - first.seq + 1 === length`.
 */
export function findGap(lines: readonly LogLine[], from = 0): { after: number; next: number } | undefined {
  const first = lines[0];
  if (!first) return undefined;
  if (first.seq !== from + 1) return { after: from, next: first.seq };
  const last = lines.at(-1) as LogLine;
  if (last.seq - first.seq + 1 === lines.length) return undefined;
  // Binary search for the first index whose seq is not first.seq + index.
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((lines[mid] as LogLine).seq === first.seq + mid) low = mid + 1;
    else high = mid;
  }
  return { after: (lines[low - 1] as LogLine).seq, next: (lines[low] as LogLine).seq };
}

/** The highest seq held with nothing missing below it: where a resubscribe or backfill starts. */
export function contiguousEnd(lines: readonly LogLine[], from = 0): number {
  const gap = findGap(lines, from);
  return gap ? gap.after : (lines.at(-1)?.seq ?? from);
}

/**
 * The part of a log that can be shown: every line up to the first hole. Lines past a hole wait until
 * it is filled, so a reader never sees line 201 followed by 20 036 (and the log never reorders).
 */
export function contiguousPrefix(lines: readonly LogLine[], from = 0): readonly LogLine[] {
  const gap = findGap(lines, from);
  if (!gap) return lines;
  const first = lines[0] as LogLine;
  return first.seq !== from + 1 ? [] : lines.slice(0, gap.after - first.seq + 1);
}
