import type { Run, RunStatus } from '@shared/deploy.ts';
import { Link } from 'react-router';
import { paths } from '../../app/paths.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';

/** The project's latest runs, newest first; `live` holds statuses that changed since they loaded. */
export function RecentRuns({ runs, live }: { runs: Run[]; live: Readonly<Record<string, RunStatus>> }) {
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
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <StatusBadge status={live[run.id] ?? run.status} />
              </td>
              <th scope="row">
                <Link to={paths.run(run.workspaceId, run.projectId, run.id)}>
                  {run.kind === 'rollback' ? 'Rollback' : 'Deploy'} <code>{run.id}</code>
                </Link>
                <span className="muted small"> {run.environment}</span>
              </th>
              <td>{describeSource(run)}</td>
              <td>{run.trigger === 'webhook' ? 'push webhook' : run.requestedBy}</td>
              <td>
                <TimeAgo date={run.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function describeSource(run: Run) {
  if (run.kind === 'rollback') return <span className="muted">release {run.targetReleaseId ?? '–'}</span>;
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
