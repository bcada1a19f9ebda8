import type { Run } from '@shared/deploy.ts';
import { Link } from 'react-router';
import { useReleases } from '../../api/releases-service.ts';
import { paths } from '../../app/paths.ts';
import { fieldId } from '../../components/form/field-errors.ts';
import { useResource } from '../../components/use-resource.ts';
import { LiveUrl } from '../project/release-details.tsx';

const ENDED_HEADINGS: Partial<Record<Run['status'], string>> = {
  failed: 'Why it failed',
  rolled_back: 'Why it was rolled back',
  cancelled: 'Cancelled',
  superseded: 'Superseded',
};

/** The project settings a failure hint can point at (their API field paths), as the edit page labels them. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  'repository.url': 'repository URL',
  'repository.branch': 'branch',
  healthCheckPath: 'health check path',
  port: 'port',
};

/** Where the run ended: the release and its live URL, or the reason and what to do next. */
export function RunOutcome({
  run,
  workspaceId,
  projectId,
}: {
  run: Run;
  workspaceId: string;
  projectId: string;
}) {
  if (run.status === 'deployed')
    return <Deployed run={run} workspaceId={workspaceId} projectId={projectId} />;
  const heading = ENDED_HEADINGS[run.status];
  if (!heading || (!run.failureReason && !run.hint)) return null;
  return (
    <section
      className={`callout ${run.status === 'failed' || run.status === 'rolled_back' ? 'callout-error' : 'callout-info'} stack-sm`}
      aria-labelledby="outcome-title"
    >
      <h2 id="outcome-title">{heading}</h2>
      {run.failureReason && <p>{run.failureReason}</p>}
      {run.hint && (
        <p>
          <strong>What to do next: </strong>
          {run.hint}
          {run.hintField && (
            <>
              {' '}
              <Link
                to={{ pathname: paths.editProject(workspaceId, projectId), hash: fieldId(run.hintField) }}
              >
                {FIELD_LABELS[run.hintField] ? `Edit the ${FIELD_LABELS[run.hintField]}` : 'Edit the project'}
              </Link>
            </>
          )}
        </p>
      )}
      <p>
        <a href="#run-log">Go to the log below</a>
      </p>
    </section>
  );
}

function Deployed({ run, workspaceId, projectId }: { run: Run; workspaceId: string; projectId: string }) {
  const releases = useReleases();
  const page = useResource(
    (signal) =>
      run.releaseId
        ? releases.list(workspaceId, projectId, { environment: run.environment, limit: 20 }, signal)
        : Promise.resolve(undefined),
    [releases, workspaceId, projectId, run.environment, run.releaseId],
  );
  const release = page.data?.items.find((r) => r.id === run.releaseId);
  return (
    <section className="callout callout-success stack-sm" aria-labelledby="outcome-title">
      <h2 id="outcome-title">{release ? `Release #${release.number} is live` : 'Deployed'}</h2>
      {release?.liveUrl && <LiveUrl url={release.liveUrl} />}
      <p>
        <Link to={paths.project(workspaceId, projectId)}>Releases of {run.projectName}</Link>
      </p>
    </section>
  );
}
