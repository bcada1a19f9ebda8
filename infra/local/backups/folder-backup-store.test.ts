import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupTakenAt, backupTimestamp } from '../../../shared/backup-keys.ts';
import { FolderBackupStore } from './folder-backup-store.ts';

describe('the local backup folder', () => {
  let root: string;
  let store: FolderBackupStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wharf-backups-'));
    store = new FolderBackupStore(join(root, 'backups'));
    const dir = join(root, 'backups', 'w1', 'p1', 'production');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '20261203T030000Z.sql.gz'), 'older dump');
    await writeFile(join(dir, '20261204T030000Z.sql.gz'), 'the newest dump');
    await writeFile(join(dir, '20261204T040000Z.sql.gz.partial'), 'being written');
    await writeFile(join(dir, '20261205T030000Z.sql.gz'), '');
    await writeFile(join(dir, 'notes.txt'), 'not a backup');
    await mkdir(join(root, 'backups', 'w1', 'p1', 'staging'), { recursive: true });
    await writeFile(join(root, 'backups', 'w1', 'p1', 'staging', '20261204T030000Z.sql.gz'), 'x');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lists one environment’s backups newest first, with their size and time from the name', async () => {
    expect(await store.list('w1', 'p1', 'production')).toEqual([
      {
        key: 'w1/p1/production/20261204T030000Z.sql.gz',
        createdAt: '2026-12-04T03:00:00.000Z',
        sizeBytes: 15,
      },
      {
        key: 'w1/p1/production/20261203T030000Z.sql.gz',
        createdAt: '2026-12-03T03:00:00.000Z',
        sizeBytes: 10,
      },
    ]);
  });

  it('answers none for a database that was never backed up', async () => {
    expect(await store.list('w1', 'other', 'production')).toEqual([]);
  });

  it('shows a key below .wharf/backups, not the server’s folder', () => {
    expect(store.location('w1/p1/production/20261204T030000Z.sql.gz')).toBe(
      '.wharf/backups/w1/p1/production/20261204T030000Z.sql.gz',
    );
  });

  it('refuses ids that would leave the folder', async () => {
    await expect(store.list('..', 'p1', 'production')).rejects.toThrow(/plain workspace id/);
  });

  it('names and reads timestamps the way the CronJob writes them', () => {
    expect(backupTimestamp(new Date('2026-12-04T03:00:09.123Z'))).toBe('20261204T030009Z');
    expect(backupTakenAt('20261204T030009Z.rdb')).toBe('2026-12-04T03:00:09.000Z');
    expect(backupTakenAt('20261304T030009Z.rdb')).toBeUndefined();
    expect(backupTakenAt('20261204T030009Z.sql.gz.partial')).toBeUndefined();
  });
});
