import { DEFAULT_BACKUP } from '@shared/databases.ts';
import type { BackupSettings } from '@shared/domain.ts';
import { useEffect, useState } from 'react';
import { useBackups } from '../../api/backups-service.ts';
import { describeError, ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { ScrollRegion } from '../../components/scroll-region.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { useResource } from '../../components/use-resource.ts';

/** How often the list is read again while a started backup has not shown up, and for how long. */
export const BACKUP_POLL_MS = 5_000;
const BACKUP_WAIT_MS = 5 * 60_000;

/** `512 B`, `3.4 KB`, `12.0 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A database project's production backups (the CronJob's dumps, newest first) with Back up now.
 * After a start the list is read again every few seconds until the new dump is there.
 */
export function BackupsSection({
  workspaceId,
  projectId,
  backup,
}: {
  workspaceId: string;
  projectId: string;
  backup?: BackupSettings | undefined;
}) {
  const backups = useBackups();
  const list = useResource(
    (signal) => backups.list(workspaceId, projectId, signal),
    [backups, workspaceId, projectId],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  /** Set while a started backup is awaited: the newest id there was before it. */
  const [waitingSince, setWaitingSince] = useState<{ newest: string | undefined; at: number }>();
  const items = list.data?.items ?? [];
  const newest = items[0]?.id;
  const { schedule, retain } = backup ?? DEFAULT_BACKUP;

  const reload = list.reload;
  useEffect(() => {
    if (!waitingSince) return;
    if (newest !== waitingSince.newest || Date.now() - waitingSince.at > BACKUP_WAIT_MS) {
      setWaitingSince(undefined);
      return;
    }
    const timer = setTimeout(reload, BACKUP_POLL_MS);
    return () => clearTimeout(timer);
  }, [waitingSince, newest, reload]);

  const backUpNow = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await backups.backUpNow(workspaceId, projectId);
      setWaitingSince({ newest, at: Date.now() });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="backups">
      <div className="row">
        <h2 id="backups">Backups</h2>
        <button
          type="button"
          className="btn"
          onClick={backUpNow}
          disabled={busy || waitingSince !== undefined}
        >
          {busy ? 'Starting…' : 'Back up now'}
        </button>
      </div>
      <p className="muted small">
        Production only, on the schedule <code>{schedule}</code> (UTC); the last {retain} are kept. Staging is
        not backed up.
      </p>
      {error && (
        <p role="alert" className="callout callout-error">
          {error}
        </p>
      )}
      {waitingSince && (
        <p role="status" className="callout callout-info">
          Backup started: it is listed here as soon as the dump is complete.
        </p>
      )}
      {list.error ? (
        <ErrorMessage error={list.error} title="Backups could not be loaded" onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading backups…" />
      ) : items.length === 0 ? (
        <p className="muted">
          No backups yet: the first is taken at the next scheduled time, or now with Back up now.
        </p>
      ) : (
        <ScrollRegion label="Backups">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Taken</th>
                <th scope="col">Size</th>
                <th scope="col">Where</th>
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.id}>
                  <th scope="row">
                    <TimeAgo date={b.createdAt} /> <span className="muted small">{b.createdAt}</span>
                  </th>
                  <td>{formatBytes(b.sizeBytes)}</td>
                  <td>
                    <code>{b.location}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
