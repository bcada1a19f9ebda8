import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { backupPrefix, backupTakenAt } from '../../../shared/backup-keys.ts';
import type { Environment } from '../../../shared/naming.ts';
import type { BackupStore, StoredBackup } from '../../../shared/ports.ts';

/**
 * The local platform's backup bucket: a folder (`<data dir>/backups`) the backup Jobs mount and write
 * `<workspaceId>/<projectId>/<environment>/<timestamp>.<ext>` into. Listing reads the folder, so a
 * backup is visible as soon as its Job has renamed it into place.
 */
export class FolderBackupStore implements BackupStore {
  /** `root`: the folder itself; `shownAs`: how users see it (no server path in an answer). */
  constructor(
    private readonly root: string,
    private readonly shownAs = '.wharf/backups',
  ) {}

  async list(workspaceId: string, projectId: string, environment: Environment): Promise<StoredBackup[]> {
    const prefix = backupPrefix(workspaceId, projectId, environment);
    const dir = join(this.root, prefix);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const found = await Promise.all(
      names.map(async (name): Promise<StoredBackup | undefined> => {
        const createdAt = backupTakenAt(name);
        if (!createdAt) return undefined;
        const info = await stat(join(dir, name)).catch(() => undefined);
        // An empty file is a dump still being written (or one that failed at once): not a backup.
        if (!info?.isFile() || info.size === 0) return undefined;
        return { key: `${prefix}${name}`, createdAt, sizeBytes: info.size };
      }),
    );
    return found
      .filter((b): b is StoredBackup => b !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  location(key: string): string {
    return `${this.shownAs}/${key}`;
  }
}
