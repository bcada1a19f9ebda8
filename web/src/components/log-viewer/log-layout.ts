import type { LogLine, RunStep, StepName } from '@shared/deploy.ts';
import { parseLine } from './log-search.ts';

/** Every row has this height (CSS agrees): positions are arithmetic, nothing jumps while streaming. */
export const LINE_HEIGHT = 20;
/** A step's header row (a button: at least 24 px tall, WCAG 2.5.8). */
export const HEADER_HEIGHT = 28;

const STEP_TITLES: Record<StepName, string> = {
  queue: 'Queue',
  approval: 'Approval',
  build: 'Build',
  push: 'Push',
  gitops: 'GitOps',
  sync: 'Sync',
  rollback: 'Rollback',
};

/** The lines a step wrote: `lines[start, start + count)`. */
export interface LogGroup {
  key: string;
  title: string;
  status: RunStep['status'];
  start: number;
  count: number;
  errors: number;
}

/**
 * Lines by the step that was running when each was written. Lines carry no step, but they carry the
 * time they were stored and the run's steps their start times (both from the same clock): a line
 * belongs to the last step started at or before it. Lines before the first step go to the first one.
 * Steps that wrote nothing have no group. Without steps there are no groups (a flat log).
 */
export function groupLines(lines: readonly LogLine[], steps: readonly RunStep[]): LogGroup[] {
  if (steps.length === 0 || lines.length === 0) return [];
  const starts = steps.map((s) => Date.parse(s.startedAt));
  const groups: LogGroup[] = [];
  let step = 0;
  let current: LogGroup | undefined;
  for (let i = 0; i < lines.length; i++) {
    const at = Date.parse((lines[i] as LogLine).at);
    // Only forward: a group is one contiguous range, even if a clock goes back a little.
    while (step + 1 < steps.length && (starts[step + 1] as number) <= at) step++;
    const key = `${step}`;
    if (current?.key !== key) {
      const s = steps[step] as RunStep;
      current = { key, title: STEP_TITLES[s.name], status: s.status, start: i, count: 0, errors: 0 };
      groups.push(current);
    }
    current.count++;
    if (isErrorLine(lines[i] as LogLine)) current.errors++;
  }
  return groups;
}

/**
 * Lines that report an error: npm's `ERR!`, git's `fatal:`, `Error:`/`error`, `failed`, and the
 * workflow's own `✖` failure lines. Whole words only, so `errors: 0` or `failedOver` don't count.
 */
const ERROR_PATTERN = /\b(?:error|fatal|failed|failure)\b|ERR!|^\s*✖/i;
export function isErrorLine(line: LogLine): boolean {
  const plain = parseLine(line).plain;
  return ERROR_PATTERN.test(plain) && !/\b0 (?:errors?|failed|failures?)\b/i.test(plain);
}

export type LogRowModel =
  | { kind: 'header'; group: LogGroup; collapsed: boolean }
  | { kind: 'line'; index: number };

export interface LogLayout {
  rows: LogRowModel[];
  /** `offsets[k]` is row k's top; the last entry is the total height. */
  offsets: Float64Array;
  /** The row showing `lines[i]`, or -1 when its step is collapsed. */
  rowOfLine: Int32Array;
}

/**
 * Rows to draw and where each one starts. With `columns` (wrapping), a line takes as many rows as its
 * text needs at that many characters per row (the font is monospace and breaks anywhere, so the
 * arithmetic matches what the browser draws); otherwise one.
 */
export function layoutLog(
  lines: readonly LogLine[],
  groups: readonly LogGroup[],
  collapsed: ReadonlySet<string>,
  columns: number | undefined,
): LogLayout {
  const rows: LogRowModel[] = [];
  const rowOfLine = new Int32Array(lines.length).fill(-1);
  const pushLines = (start: number, end: number) => {
    for (let i = start; i < end; i++) {
      rowOfLine[i] = rows.length;
      rows.push({ kind: 'line', index: i });
    }
  };
  if (groups.length === 0) pushLines(0, lines.length);
  for (const group of groups) {
    const closed = collapsed.has(group.key);
    rows.push({ kind: 'header', group, collapsed: closed });
    if (!closed) pushLines(group.start, group.start + group.count);
  }
  const offsets = new Float64Array(rows.length + 1);
  for (let k = 0; k < rows.length; k++) {
    offsets[k + 1] = (offsets[k] as number) + rowHeight(rows[k] as LogRowModel, lines, columns);
  }
  return { rows, offsets, rowOfLine };
}

export function rowHeight(row: LogRowModel, lines: readonly LogLine[], columns: number | undefined): number {
  if (row.kind === 'header') return HEADER_HEIGHT;
  if (!columns) return LINE_HEIGHT;
  const length = parseLine(lines[row.index] as LogLine).plain.length;
  return Math.max(1, Math.ceil(length / columns)) * LINE_HEIGHT;
}

/** The first row whose bottom is below `y` (binary search over the offsets). */
export function rowAt(offsets: Float64Array, y: number): number {
  let low = 0;
  let high = offsets.length - 2;
  if (high < 0) return 0;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((offsets[mid + 1] as number) <= y) low = mid + 1;
    else high = mid;
  }
  return low;
}
