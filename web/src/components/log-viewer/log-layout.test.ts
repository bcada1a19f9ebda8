import type { LogLine } from '@shared/deploy.ts';
import { describe, expect, it } from 'vitest';
import { HEADER_HEIGHT, LINE_HEIGHT, layoutLog, rowAt } from './log-layout.ts';

const line = (seq: number, text: string): LogLine => ({
  seq,
  at: '2025-01-01T00:00:00Z',
  stream: 'build',
  text,
});

describe('layoutLog', () => {
  it('gives a wrapped line as many rows as its text needs at the measured width', () => {
    const lines = [line(1, 'x'.repeat(25)), line(2, ''), line(3, 'y'.repeat(10))];
    const wrapped = layoutLog(lines, [], new Set(), 10);
    expect([...wrapped.offsets]).toEqual([0, 3 * LINE_HEIGHT, 4 * LINE_HEIGHT, 5 * LINE_HEIGHT]);
    const flat = layoutLog(lines, [], new Set(), undefined);
    expect([...flat.offsets]).toEqual([0, LINE_HEIGHT, 2 * LINE_HEIGHT, 3 * LINE_HEIGHT]);
  });

  it('puts a header before each step and leaves a collapsed step out', () => {
    const lines = [line(1, 'a'), line(2, 'b'), line(3, 'c')];
    const groups = [
      { key: '0', title: 'Build', status: 'succeeded' as const, start: 0, count: 2, errors: 0 },
      { key: '1', title: 'Sync', status: 'running' as const, start: 2, count: 1, errors: 0 },
    ];
    const layout = layoutLog(lines, groups, new Set(['0']), undefined);
    expect(layout.rows.map((r) => (r.kind === 'header' ? r.group.title : r.index))).toEqual([
      'Build',
      'Sync',
      2,
    ]);
    expect([...layout.rowOfLine]).toEqual([-1, -1, 2]);
    expect(layout.offsets.at(-1)).toBe(2 * HEADER_HEIGHT + LINE_HEIGHT);
  });
});

describe('rowAt', () => {
  it('finds the row under a scroll position', () => {
    const offsets = new Float64Array([0, 28, 48, 108, 128]);
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 27)).toBe(0);
    expect(rowAt(offsets, 28)).toBe(1);
    expect(rowAt(offsets, 100)).toBe(2);
    expect(rowAt(offsets, 500)).toBe(3);
  });
});
