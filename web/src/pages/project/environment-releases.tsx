import type { Release } from '@shared/deploy.ts';
import type { Environment } from '@shared/naming.ts';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useReleases } from '../../api/releases-service.ts';
import { paths } from '../../app/paths.ts';
import { describeError, ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { ScrollRegion } from '../../components/scroll-region.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { useResource } from '../../components/use-resource.ts';
import { imageName, releaseTitle, shortSha } from './format.ts';
import { GitopsCommit } from './release-details.tsx';
import { RollbackDialog } from './rollback-dialog.tsx';

/**
 * One environment's release history, the live one marked, with Roll back on earlier releases (the
 * live release itself is shown in the pipeline). `version` changes when a run of the project ends, so
 * the list reloads.
 */
export function EnvironmentReleases({
  workspaceId,
  projectId,
  environment,
  version,
}: {
  workspaceId: string;
  projectId: string;
  environment: Environment;
  version: number;
}) {
  const releases = useReleases();
  const navigate = useNavigate();
  const page = useResource(
    (signal) => releases.list(workspaceId, projectId, { environment, limit: 20 }, signal),
    [releases, workspaceId, projectId, environment, version],
  );
  const [target, setTarget] = useState<Release>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [reason, setReason] = useState('');

  const items = page.data?.items ?? [];
  const current = items.find((r) => r.id === page.data?.currentReleaseId);
  const headingId = `releases-${environment}`;

  const rollBack = async () => {
    if (!target) return;
    setBusy(true);
    setError(undefined);
    try {
      const run = await releases.rollback(workspaceId, projectId, target.id, reason.trim() || undefined);
      navigate(paths.run(workspaceId, projectId, run.id));
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby={headingId}>
      <h2 id={headingId}>Release history: {environment}</h2>
      {page.error ? (
        <ErrorMessage error={page.error} title="Releases could not be loaded" onRetry={page.reload} />
      ) : !page.data ? (
        <Loading label="Loading releases…" />
      ) : (
        items.length === 0 && <p className="muted">No releases of {environment} yet.</p>
      )}
      {items.length > 0 && <ReleaseTable items={items} currentId={current?.id} onRollback={setTarget} />}
      {target && (
        <RollbackDialog
          current={current}
          target={target}
          busy={busy}
          error={error}
          reason={reason}
          onReasonChange={setReason}
          onConfirm={rollBack}
          onCancel={() => {
            setTarget(undefined);
            setError(undefined);
            setReason('');
          }}
        />
      )}
    </section>
  );
}

function ReleaseTable({
  items,
  currentId,
  onRollback,
}: {
  items: Release[];
  currentId: string | undefined;
  onRollback(release: Release): void;
}) {
  // A rollback names the release it restored by number, when that release is on this page.
  const numberOf = (id: string) => items.find((r) => r.id === id)?.number;
  return (
    <ScrollRegion label="Releases">
      <table className="table releases-table">
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Image</th>
            <th scope="col">Commit</th>
            <th scope="col">GitOps</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((release) => (
            <tr key={release.id} className="release-row">
              <th scope="row">
                <span className="release-title">{releaseTitle(release, numberOf)}</span>
                {release.id === currentId && <span className="badge badge-success release-live">live</span>}
                {release.reason && (
                  <span className="muted small release-reason" title={release.reason}>
                    {' '}
                    — {release.reason}
                  </span>
                )}
              </th>
              <td>
                <code title={`${release.image.reference}\n${release.image.digest}`}>
                  {imageName(release.image.reference)}
                </code>
              </td>
              <td>
                {release.sourceCommit ? (
                  <code title={release.sourceCommit}>{shortSha(release.sourceCommit)?.slice(0, 7)}</code>
                ) : (
                  <span className="muted">–</span>
                )}
                {release.commit?.author && <span className="muted small"> {release.commit.author}</span>}
              </td>
              <td>
                <GitopsCommit release={release} />
              </td>
              <td>{release.createdBy}</td>
              <td>
                <TimeAgo date={release.createdAt} />
              </td>
              <td className="row-actions">
                {release.id !== currentId && (
                  <button
                    type="button"
                    className="btn btn-sm"
                    onClick={() => onRollback(release)}
                    aria-label={`Roll back to release ${release.number}`}
                  >
                    Roll back
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
