import type { EnvironmentView, ProjectView } from '@shared/api.ts';
import type { EnvironmentHold } from '@shared/deploy-ports.ts';
import type { Environment } from '@shared/naming.ts';
import { useState } from 'react';
import { Link } from 'react-router';
import { useEnvironments } from '../../api/environments-service.ts';
import { paths } from '../../app/paths.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { DomainCheckDetails } from '../../components/domain-check.tsx';
import { describeError } from '../../components/error-message.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { shortSha } from './format.ts';
import { describeTrigger, shortDigest } from './format-env.ts';
import { PromoteDialog } from './promote-dialog.tsx';
import { LiveUrl, OutOfSyncNotice } from './release-details.tsx';

/**
 * The project's environments in pipeline order (staging → production): what each runs, where, how it
 * deploys, a hold a rollback put on it, and Promote to the next one. `onChanged` reloads the project
 * after a change made here (a hold lifted).
 */
export function Pipeline({ project, onChanged }: { project: ProjectView; onChanged(): void }) {
  const [promoting, setPromoting] = useState<{ from: EnvironmentView; to: Environment }>();
  const stages = project.pipeline;
  return (
    <section className="stack" aria-labelledby="pipeline-title">
      <h2 id="pipeline-title">Environments</h2>
      <ol className="pipeline">
        {stages.map((environment, i) => (
          <EnvironmentStage
            key={environment.name}
            project={project}
            environment={environment}
            next={stages[i + 1]?.name}
            onPromote={(to) => setPromoting({ from: environment, to })}
            onChanged={onChanged}
          />
        ))}
      </ol>
      {promoting?.from.currentRelease && (
        <PromoteDialog
          workspaceId={project.workspaceId}
          projectId={project.id}
          source={promoting.from.name}
          release={promoting.from.currentRelease}
          target={promoting.to}
          onCancel={() => setPromoting(undefined)}
        />
      )}
    </section>
  );
}

function EnvironmentStage({
  project,
  environment,
  next,
  onPromote,
  onChanged,
}: {
  project: ProjectView;
  environment: EnvironmentView;
  next: Environment | undefined;
  onPromote(to: Environment): void;
  onChanged(): void;
}) {
  const { name, currentRelease: release } = environment;
  const headingId = `env-${name}`;
  return (
    <li className="card stack-sm pipeline-stage" aria-labelledby={headingId}>
      <div className="row row-between">
        <h3 id={headingId} className="env-title">
          {name}
        </h3>
        <Link
          className="btn btn-sm btn-ghost"
          to={paths.environment(project.workspaceId, project.id, name)}
          aria-label={`Settings of ${name}`}
        >
          Settings
        </Link>
      </div>
      <dl className="dl pipeline-details">
        <dt>Namespace</dt>
        <dd>
          <code>{environment.namespace}</code>
        </dd>
        <dt>Live URL</dt>
        <dd>
          <LiveUrl url={environment.liveUrl} of={name} />
        </dd>
        {environment.domainCheck && (
          <>
            <dt>Custom domain</dt>
            <dd>
              <DomainCheckDetails
                check={environment.domainCheck}
                platformUrl={environment.platformUrl}
                of={name}
              />
            </dd>
          </>
        )}
        <dt>Release</dt>
        <dd>
          {release ? (
            <>
              #{release.number}
              {release.kind === 'rollback' && <span className="muted"> (a rollback)</span>}
              {release.promotedFrom && (
                <span className="muted">
                  {' '}
                  promoted from {release.promotedFrom.environment} #{release.promotedFrom.number}
                </span>
              )}
            </>
          ) : (
            <StatusBadge status="never" />
          )}
        </dd>
        {release?.sourceCommit && (
          <>
            <dt>Commit</dt>
            <dd>
              <code title={release.sourceCommit}>{shortSha(release.sourceCommit)?.slice(0, 7)}</code>
            </dd>
          </>
        )}
        {release && (
          <>
            <dt>Image</dt>
            <dd>
              <code title={`${release.image.reference}\n${release.image.digest}`}>
                {shortDigest(release.image.digest)}
              </code>
            </dd>
            <dt>Released</dt>
            <dd>
              <TimeAgo date={release.createdAt} /> by {release.createdBy}
            </dd>
          </>
        )}
        <dt>Deploys</dt>
        <dd>
          {describeTrigger(project, environment)}
          {environment.requiresApproval && <span className="muted"> · requires approval</span>}
        </dd>
      </dl>
      {environment.outOfSync && <OutOfSyncNotice outOfSync={environment.outOfSync} />}
      {environment.hold && (
        <HoldBanner project={project} environment={name} hold={environment.hold} onResumed={onChanged} />
      )}
      {next && release && (
        <div>
          <button type="button" className="btn btn-primary btn-sm" onClick={() => onPromote(next)}>
            Promote #{release.number} to {next}
          </button>
        </div>
      )}
    </li>
  );
}

/** A rollback paused the environment's auto-deploy: who, when, why, and Resume (after a confirmation). */
function HoldBanner({
  project,
  environment,
  hold,
  onResumed,
}: {
  project: ProjectView;
  environment: Environment;
  hold: EnvironmentHold;
  onResumed(): void;
}) {
  const environments = useEnvironments();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const resume = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await environments.resumeHold(project.workspaceId, project.id, environment);
      setConfirming(false);
      onResumed();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="callout callout-info hold-banner row row-between">
      <p>
        <strong>Auto-deploy paused:</strong> rolled back by {hold.by} <TimeAgo date={hold.at} />
        {hold.reason && <> — {hold.reason}</>}
      </p>
      <button type="button" className="btn btn-sm" onClick={() => setConfirming(true)}>
        Resume auto-deploy
      </button>
      {confirming && (
        <ConfirmDialog
          title={`Resume auto-deploy of ${environment}?`}
          confirmLabel="Resume"
          busyLabel="Resuming…"
          busy={busy}
          error={error}
          onConfirm={resume}
          onCancel={() => {
            setConfirming(false);
            setError(undefined);
          }}
        >
          <p>
            The next push or tag that matches {environment}'s trigger deploys again, replacing the release the
            rollback restored.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
