import type { Environment } from './naming.ts';

/**
 * How backups are named in the platform's backup store, the one rule the backup CronJob (which
 * writes them) and the stores (which list them) share:
 * `<workspaceId>/<projectId>/<environment>/<UTC yyyymmddThhmmssZ>.<ext>`, e.g.
 * `w1/p1/production/20261204T030000Z.sql.gz`.
 */

/** The folder (S3 prefix, with its trailing `/`) of one database environment's backups. */
export function backupPrefix(workspaceId: string, projectId: string, environment: Environment): string {
  for (const [what, value] of [
    ['workspace id', workspaceId],
    ['project id', projectId],
    ['environment', environment],
  ]) {
    // Ids come from the table, but a key must never climb out of its folder.
    if (!SEGMENT.test(value ?? '')) throw new Error(`A backup key needs a plain ${what}, not "${value}"`);
  }
  return `${workspaceId}/${projectId}/${environment}/`;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const UNFINISHED = /\.(partial|part|tmp)$/;
const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.[a-z0-9]+(\.[a-z0-9]+)*$/;

/** `20261204T030000Z` for a date: what the CronJob names a dump (`date -u +%Y%m%dT%H%M%SZ`). */
export function backupTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * When a backup file was taken, from its name (`20261204T030000Z.sql.gz` → ISO time); undefined for
 * a name that is not a backup (a partial upload, a stray file), which the stores leave out.
 */
export function backupTakenAt(name: string): string | undefined {
  const m = NAME.exec(name);
  // A dump is written under a temporary name and renamed when complete.
  if (!m || UNFINISHED.test(name)) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) || date.toISOString() !== iso ? undefined : iso;
}
