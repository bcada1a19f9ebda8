import { describe, expect, it } from 'vitest';
import type { DatabaseProject } from './domain.ts';
import { pageByActivity } from './project-list.ts';

const project = (id: string, at: string): DatabaseProject => ({
  id,
  workspaceId: 'w1',
  name: id,
  type: 'database',
  engine: 'postgres',
  version: '16',
  storage: '1Gi',
  environments: ['production'],
  env: [],
  createdBy: 'alice',
  createdAt: at,
  updatedAt: at,
  revision: 1,
});

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('pageByActivity', () => {
  const all = [
    project('pa', '2026-01-01T00:00:00.000Z'),
    project('pb', '2026-01-02T00:00:00.000Z'),
    project('pc', '2026-01-02T00:00:00.000Z'),
  ];

  it('orders by the newest of created, updated and last run start, ties by id', () => {
    const runs = new Map([['pa', '2026-01-03T00:00:00.000Z']]);
    expect(pageByActivity(all, runs, { limit: 10 }).items.map((p) => p.id)).toEqual(['pa', 'pb', 'pc']);
    expect(pageByActivity(all, new Map(), { limit: 10 }).items.map((p) => p.id)).toEqual(['pb', 'pc', 'pa']);
  });

  it('resumes after the cursor even when an earlier project moved meanwhile, with no repeat', () => {
    const first = pageByActivity(all, new Map(), { limit: 1 });
    expect(first.items.map((p) => p.id)).toEqual(['pb']);
    // pb is deployed before the next page is asked for: it moves up, the rest follows the cursor.
    const moved = new Map([['pb', '2026-02-01T00:00:00.000Z']]);
    const second = pageByActivity(all, moved, { limit: 5, cursor: first.nextCursor });
    expect(second.items.map((p) => p.id)).toEqual(['pc', 'pa']);
    expect(second.nextCursor).toBeUndefined();
  });

  it.each([
    ['another list', cursorOf({ pk: 'WS#other', sk: 'PROJECT#x' })],
    ['an added key', cursorOf({ at: '2026-01-02T00:00:00.000Z', id: 'pb', sk: '' })],
    ['no time', cursorOf({ at: 'soon', id: 'pb' })],
    ['a strange id', cursorOf({ at: '2026-01-02T00:00:00.000Z', id: 'x'.repeat(1200) })],
    ['not base64 JSON', '%%%'],
  ])('refuses a cursor with %s', (_, cursor) => {
    expect(() => pageByActivity(all, new Map(), { limit: 5, cursor })).toThrow(
      expect.objectContaining({ code: 'request.invalid_cursor', field: 'cursor' }),
    );
  });
});
