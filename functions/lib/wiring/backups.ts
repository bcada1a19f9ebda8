import { unavailable } from '../../../shared/errors.ts';
import type { BackupStore } from '../../../shared/ports.ts';
import { S3BackupStore } from '../../adapters/s3/s3-backup-store.ts';
import { optionalSetting } from '../config.ts';
import { localPlatform } from './local.ts';
import { port, settings } from './ports.ts';

/**
 * Where production databases' backups are: the S3 bucket WHARF_BACKUP_BUCKET in AWS, the folder
 * `<data dir>/backups` the local platform mounts into its backup Jobs.
 */
export const backupStore = port('backupStore', (): BackupStore => {
  const { env, mode, region } = settings();
  if (mode === 'local') return localPlatform().backups;
  const bucket = optionalSetting(env, 'WHARF_BACKUP_BUCKET');
  // An installation without a backup bucket renders no backup CronJobs: say so instead of failing.
  if (!bucket) return noBackupBucket;
  return new S3BackupStore({ bucket, region: region ?? 'us-east-1' });
});

const noBackupBucket: BackupStore = {
  list: () =>
    Promise.reject(
      unavailable(
        'backup.not_configured',
        'This installation keeps no database backups: its operator sets backupBucket in the stage config (WHARF_BACKUP_BUCKET).',
      ),
    ),
  location: (key) => key,
};
