import type { ApprovalView } from '@shared/api.ts';
import type { Run, RunStatus } from '@shared/deploy.ts';
import { Link } from 'react-router';
import { paths } from '../../app/paths.ts';
import { ApprovalActions } from '../../components/approval-actions.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';

export const RUN_KIND_LABELS: Record<Run['kind'], string> = {
  deploy: 'Deploy',
  rollback: 'Rollback',
  promote: 'Promotion',
};

/**
 * The project's latest runs, newest first; `live` holds statuses that changed since they loaded. A
 * run waiting for approval offers Approve / Reject (`approvals`: the workspace's list, which says
 * whether the caller may decide).
 */
export function RecentRuns({
  runs,
  live,
  approvals,
  onDecided,
}: {
  runs: Run[];
  live: Readonly<Record<string, RunStatus>>;
  approvals?: readonly ApprovalView[] | undefined;
  onDecided?(run: Run): void;
}) {
  if (runs.length === 0) return <p className="muted">No runs yet: deploy to start the first one.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Run</th>
            <th scope="col">Source</th>
            <th scope="col">Started by</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const status = live[run.id] ?? run.status;
            const approval = approvals?.find((a) => a.runId === run.id);
            return (
              <tr key={run.id}>
                <td>
                  <StatusBadge status={status} />
                  {status === 'awaiting_approval' && (
                    <ApprovalActions
                      run={{ ...run, expiresAt: run.approval?.expiresAt ?? approval?.expiresAt }}
                      approval={approval}
                      label={`${RUN_KIND_LABELS[run.kind].toLowerCase()} ${run.id}`}
                      onDecided={(decided) => onDecided?.(decided)}
                    />
                  )}
                </td>
                <th scope="row">
                  <Link to={paths.run(run.workspaceId, run.projectId, run.id)}>
                    {RUN_KIND_LABELS[run.kind]} <code>{run.id}</code>
                  </Link>
                  <span className="muted small"> {run.environment}</span>
                </th>
                <td>{describeSource(run)}</td>
                <td>{run.trigger === 'webhook' ? 'push webhook' : run.requestedBy}</td>
                <td>
                  <TimeAgo date={run.createdAt} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function describeSource(run: Run) {
  if (run.kind === 'rollback') return <span className="muted">release {run.targetReleaseId ?? '–'}</span>;
  if (run.kind === 'promote')
    return run.promotedFrom ? (
      <span>
        {run.promotedFrom.environment} #{run.promotedFrom.number}
      </span>
    ) : (
      <span className="muted">–</span>
    );
  if (!run.source) return <span className="muted">–</span>;
  const commit = run.sourceCommit ?? run.source.commit;
  return (
    <>
      {run.source.branch}
      {commit && (
        <>
          {' @ '}
          <code title={commit}>{commit.slice(0, 7)}</code>
        </>
      )}
    </>
  );
}
