import type { ProjectView } from '@shared/api.ts';
import type { Environment } from '@shared/naming.ts';
import { Link } from 'react-router';
import { useDeployments } from '../../api/deployments-service.ts';
import { useReleases } from '../../api/releases-service.ts';
import { paths } from '../../app/paths.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { useResource } from '../../components/use-resource.ts';

/** Enough recent runs that each environment's newest is among them (runs are listed newest first). */
const RUNS_READ = 20;

const TYPE_LABELS = { monolith: 'Monolith', database: 'Database', microservices: 'Microservices' } as const;

/** Where the project comes from: `repository@branch`, or the database engine. */
export function projectSource(project: ProjectView): string {
  if (project.type === 'database') return `${project.engine} ${project.version} · ${project.storage}`;
  return `${project.repository.url.replace(/^https?:\/\//, '').replace(/\.git$/, '')}@${project.repository.branch}`;
}

/**
 * One project of the list, with each environment's newest run status, who deployed last and when, and
 * its newest production release (the live URL). `refreshKey` changes when a live run event for this
 * project arrives, which reloads both.
 */
export function ProjectRow({
  workspaceId,
  project,
  refreshKey,
}: {
  workspaceId: string;
  project: ProjectView;
  refreshKey: number;
}) {
  const deployments = useDeployments();
  const releases = useReleases();
  const summary = useResource(
    async (signal) => {
      const [runs, production] = await Promise.all([
        deployments.list(workspaceId, project.id, { limit: RUNS_READ }, signal),
        releases.list(workspaceId, project.id, { environment: 'production', limit: 1 }, signal),
      ]);
      return { runs: runs.items, run: runs.items[0], release: production.items[0] };
    },
    [deployments, releases, workspaceId, project.id, refreshKey],
  );
  const run = summary.data?.run;
  const liveUrl = summary.data?.release?.liveUrl;
  // Each environment shows its own newest run: a staging deploy must not hide production's state.
  const statusFor = (environment: Environment) =>
    summary.data?.runs.find((r) => r.environment === environment)?.status ?? 'never';

  return (
    <li className="card project-row">
      <div className="stack-sm">
        <h2 className="project-name">
          <Link to={paths.project(workspaceId, project.id)}>{project.name}</Link>
        </h2>
        <p className="row small">
          <span className="badge">{TYPE_LABELS[project.type]}</span>
          <span className="mono truncate" title={projectSource(project)}>
            {projectSource(project)}
          </span>
        </p>
      </div>
      <div className="stack-sm" aria-live="polite">
        {project.environments.map((environment) => (
          <p key={environment} className="row small">
            <span className="muted">{environment}</span>
            {summary.data ? (
              <StatusBadge status={statusFor(environment)} />
            ) : (
              <>
                <span className="skeleton" aria-hidden="true" />
                <span className="visually-hidden">Loading status</span>
              </>
            )}
          </p>
        ))}
      </div>
      <div className="stack-sm small">
        {summary.error !== undefined && !summary.data ? (
          <p className="row">
            <span className="muted">Status unavailable.</span>
            <button type="button" className="link-button" onClick={summary.reload}>
              Retry
            </button>
          </p>
        ) : (
          <>
            <p className="truncate">
              {liveUrl ? (
                <a href={liveUrl} target="_blank" rel="noopener noreferrer">
                  {liveUrl.replace(/^https?:\/\//, '')}
                  <span className="visually-hidden"> (opens in a new tab)</span>
                </a>
              ) : (
                <span className="muted">{summary.data ? 'No live URL yet' : ''}</span>
              )}
            </p>
            <p className="muted">
              {run ? (
                <>
                  {run.kind === 'rollback' ? 'Last rollback' : 'Last deploy'}:{' '}
                  {run.trigger === 'webhook' ? `push by ${run.requestedBy}` : run.requestedBy},{' '}
                  <TimeAgo date={run.createdAt} />
                </>
              ) : summary.data ? (
                'Never deployed'
              ) : null}
            </p>
          </>
        )}
      </div>
    </li>
  );
}
