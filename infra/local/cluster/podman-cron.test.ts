import { describe, expect, it } from 'vitest';
import { parseCron } from './podman/cron.ts';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) => parseCron(expression).next(at(after)).toISOString();

describe('parseCron', () => {
  it('fires at the next matching minute', () => {
    expect(next('* * * * *', '2025-01-01T10:00:30Z')).toBe('2025-01-01T10:01:00.000Z');
    expect(next('*/15 * * * *', '2025-01-01T10:01:00Z')).toBe('2025-01-01T10:15:00.000Z');
    expect(next('5 4 * * *', '2025-01-01T04:05:00Z')).toBe('2025-01-02T04:05:00.000Z');
    expect(next('0 9-17/4 * * *', '2025-01-01T10:00:00Z')).toBe('2025-01-01T13:00:00.000Z');
  });

  it('reads names, lists, 7 as Sunday and the macros', () => {
    expect(next('0 0 * * sun', '2025-01-01T00:00:00Z')).toBe('2025-01-05T00:00:00.000Z');
    expect(next('0 0 * * 7', '2025-01-01T00:00:00Z')).toBe('2025-01-05T00:00:00.000Z');
    expect(next('30 6 1,15 feb *', '2025-01-20T00:00:00Z')).toBe('2025-02-01T06:30:00.000Z');
    expect(next('@monthly', '2025-01-20T00:00:00Z')).toBe('2025-02-01T00:00:00.000Z');
    expect(next('@hourly', '2025-01-20T00:59:59Z')).toBe('2025-01-20T01:00:00.000Z');
  });

  it('runs on either day when both day fields are restricted', () => {
    // The 13th, or any Friday: Friday 3 Jan 2025 comes first.
    expect(next('0 0 13 * 5', '2025-01-01T00:00:00Z')).toBe('2025-01-03T00:00:00.000Z');
  });

  it('says which field is wrong', () => {
    expect(() => parseCron('61 * * * *')).toThrow(/minute 61 is outside 0-59/);
    expect(() => parseCron('* * *')).toThrow(/has 3 fields; a schedule has 5/);
    expect(() => parseCron('* * * * funday')).toThrow(/"funday" is not a day of week/);
    expect(() => parseCron('0 0 30 2 *').next(at('2025-01-01T00:00:00Z'))).toThrow(/never fires/);
  });
});
