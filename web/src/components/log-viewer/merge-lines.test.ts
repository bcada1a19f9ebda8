import type { LogLine } from '@shared/deploy.ts';
import { describe, expect, it } from 'vitest';
import { contiguousEnd, contiguousPrefix, findGap, mergeLogLines } from './merge-lines.ts';

const line = (seq: number, text = `line ${seq}`): LogLine => ({
  seq,
  at: '2025-01-01T00:00:00.000Z',
  stream: 'build',
  text,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const seqs = (lines: readonly LogLine[]) => lines.map((l) => l.seq);

describe('mergeLogLines', () => {
  it('appends newer lines', () => {
    expect(seqs(mergeLogLines(range(1, 3), range(4, 5)))).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(mergeLogLines([], range(1, 2)))).toEqual([1, 2]);
  });

  it('drops the overlap between the replay and the live tail', () => {
    const replay = range(1, 100);
    const live = range(95, 105);
    const merged = mergeLogLines(replay, live);
    expect(seqs(merged)).toEqual(seqs(range(1, 105)));
    expect(merged[94]).toBe(replay[94]); // the line already shown is kept
  });

  it('orders lines that arrive out of order and duplicated within one batch', () => {
    const merged = mergeLogLines(range(1, 2), [line(5), line(3), line(5), line(4)]);
    expect(seqs(merged)).toEqual([1, 2, 3, 4, 5]);
  });

  it('fills a hole when the missing lines come later', () => {
    const withHole = mergeLogLines(range(1, 3), range(7, 8));
    expect(seqs(withHole)).toEqual([1, 2, 3, 7, 8]);
    expect(seqs(mergeLogLines(withHole, range(2, 6)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('returns the same array when nothing is new', () => {
    const current = range(1, 5);
    expect(mergeLogLines(current, range(2, 4))).toBe(current);
    expect(mergeLogLines(current, [])).toBe(current);
  });
});

describe('findGap', () => {
  it('finds no gap in a complete log', () => {
    expect(findGap([])).toBeUndefined();
    expect(findGap(range(1, 50))).toBeUndefined();
    expect(contiguousEnd(range(1, 50))).toBe(50);
    expect(contiguousEnd([])).toBe(0);
  });

  it('finds a missing start', () => {
    expect(findGap(range(3, 9))).toEqual({ after: 0, next: 3 });
    expect(findGap(range(11, 20), 10)).toBeUndefined();
  });

  it('finds the first hole in the middle', () => {
    const lines = [...range(1, 40), ...range(45, 60), ...range(70, 71)];
    expect(findGap(lines)).toEqual({ after: 40, next: 45 });
    expect(contiguousEnd(lines)).toBe(40);
  });
});

describe('contiguousPrefix', () => {
  it('shows lines up to the first hole only', () => {
    const whole = range(1, 20_000);
    expect(contiguousPrefix(whole)).toBe(whole);
    expect(seqs(contiguousPrefix([...range(1, 201), ...range(20_034, 20_036)]))).toEqual(seqs(range(1, 201)));
    expect(contiguousPrefix(range(5, 9))).toEqual([]);
  });
});
