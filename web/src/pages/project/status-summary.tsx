import type { EnvironmentView, ProjectView, ReleaseSummary } from '@shared/api.ts';
import { type Run, type RunStatus, TERMINAL_STATUSES } from '@shared/deploy.ts';
import { useState } from 'react';
import { Link } from 'react-router';
import { useDeployments } from '../../api/deployments-service.ts';
import { paths } from '../../app/paths.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { describeError } from '../../components/error-message.tsx';
import { statusLabel } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { safeHref } from './links.ts';
import './status-summary.css';

/** Git's short form, as people quote commits ("6c6059f"). */
const SHORT_SHA = 7;

/** Statuses where a run is at work or about to be: what "Deploying now" means. */
const isActive = (status: RunStatus) => !TERMINAL_STATUSES.has(status);

/** The run to show per environment: the one at work before one that only waits its turn. */
function activeRunOf(runs: readonly Run[], environment: string, live: Record<string, RunStatus>) {
  const active = runs.filter((r) => r.environment === environment && isActive(live[r.id] ?? r.status));
  const waits = (r: Run) => ['queued', 'awaiting_approval'].includes(live[r.id] ?? r.status);
  return active.find((r) => !waits(r)) ?? active[0];
}

/**
 * What a user asks first, per environment: what is live (release number, commit, author, age), where,
 * and whether a deploy is under way — with a link to watch it and Cancel. The page's details follow.
 */
export function StatusSummary({
  project,
  runs,
  live,
  onCancelled,
}: {
  project: ProjectView;
  /** The project's recent runs (newest first), where an active run is found. */
  runs: readonly Run[] | undefined;
  /** Run statuses heard over the live channel since the list was loaded. */
  live: Record<string, RunStatus>;
  onCancelled(run: Run): void;
}) {
  const [cancelling, setCancelling] = useState<Run>();
  return (
    <section className="stack-sm status-summary" aria-labelledby="status-summary-title">
      <h2 id="status-summary-title" className="visually-hidden">
        Status
      </h2>
      <ul className="status-summary-list">
        {project.pipeline.map((environment) => (
          <EnvironmentStatus
            key={environment.name}
            project={project}
            environment={environment}
            run={activeRunOf(runs ?? [], environment.name, live)}
            live={live}
            onCancel={setCancelling}
          />
        ))}
      </ul>
      {cancelling && (
        <CancelDialog
          run={cancelling}
          live={project.pipeline.find((e) => e.name === cancelling.environment)?.currentRelease}
          onClose={() => setCancelling(undefined)}
          onCancelled={(run) => {
            setCancelling(undefined);
            onCancelled(run);
          }}
        />
      )}
    </section>
  );
}

function EnvironmentStatus({
  project,
  environment,
  run,
  live,
  onCancel,
}: {
  project: ProjectView;
  environment: EnvironmentView;
  run: Run | undefined;
  live: Record<string, RunStatus>;
  onCancel(run: Run): void;
}) {
  const release = environment.currentRelease;
  const href = project.type === 'database' ? undefined : safeHref(environment.liveUrl);
  const headingId = `status-${environment.name}`;
  return (
    <li className="card stack-sm" aria-labelledby={headingId}>
      <h3 id={headingId} className="env-title">
        {environment.name}
      </h3>
      {release ? <LiveRelease release={release} /> : <p className="muted">Not deployed yet</p>}
      {release && href && (
        <p>
          <a href={href} target="_blank" rel="noopener noreferrer">
            {environment.liveUrl}
            <span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </p>
      )}
      {run && (
        <div className="row status-summary-run" role="status">
          <strong>Deploying now</strong>
          <span>{statusLabel(live[run.id] ?? run.status)}</span>
          <Link to={paths.run(project.workspaceId, project.id, run.id)}>Watch run {run.id}</Link>
          <button
            type="button"
            className="btn btn-sm btn-danger"
            aria-label={`Cancel run ${run.id}`}
            onClick={() => onCancel(run)}
          >
            Cancel
          </button>
        </div>
      )}
    </li>
  );
}

/** "Release #3 · 6c6059f 'Fix header' · by alice · 5 minutes ago". */
function LiveRelease({ release }: { release: ReleaseSummary }) {
  const sha = release.commit?.sha ?? release.sourceCommit;
  const message = release.commit?.message;
  const author = release.commit?.author ?? release.createdBy;
  return (
    <p className="status-summary-release">
      <strong>Release #{release.number}</strong>
      {sha && (
        <>
          {' · '}
          <code title={sha}>{sha.slice(0, SHORT_SHA)}</code>
        </>
      )}
      {message && <> “{message}”</>}
      {' · by '}
      {author}
      {' · '}
      <TimeAgo date={release.createdAt} />
    </p>
  );
}

function CancelDialog({
  run,
  live,
  onClose,
  onCancelled,
}: {
  run: Run;
  live: ReleaseSummary | undefined;
  onClose(): void;
  onCancelled(run: Run): void;
}) {
  const deployments = useDeployments();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onCancelled(await deployments.cancel(run.workspaceId, run.projectId, run.id));
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Cancel run ${run.id}?`}
      confirmLabel="Cancel run"
      cancelLabel="Keep running"
      busyLabel="Cancelling…"
      tone="danger"
      busy={busy}
      error={error}
      onConfirm={() => void confirm()}
      onCancel={onClose}
    >
      <p>
        The run stops where it is and ends cancelled.{' '}
        {live
          ? `Release #${live.number} stays live in ${run.environment}.`
          : `Nothing is live in ${run.environment} yet, and nothing will be.`}
      </p>
    </ConfirmDialog>
  );
}
