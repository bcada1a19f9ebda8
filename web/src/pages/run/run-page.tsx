import { type Run, TERMINAL_STATUSES } from '@shared/deploy.ts';
import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApprovals } from '../../api/approvals-service.ts';
import { useDeployments } from '../../api/deployments-service.ts';
import { paths } from '../../app/paths.ts';
import { ApprovalActions } from '../../components/approval-actions.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { LogViewer } from '../../components/log-viewer/log-viewer.tsx';
import { useRunLog } from '../../components/log-viewer/use-run-log.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { StatusBadge, statusLabel } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { useResource } from '../../components/use-resource.ts';
import type { RunStatusEvent } from '../../live/live-context.tsx';
import { LiveStatus } from '../../live/live-status.tsx';
import { requester, runHeadline } from '../project/format.ts';
import { ExecutionLink } from './execution-link.tsx';
import { RunOutcome } from './run-outcome.tsx';
import { StepTimeline } from './step-timeline.tsx';
import './run-page.css';

/** How far a run has got: status events and a reloaded run are compared, the further one is shown. */
const progressOf = (run: Pick<Run, 'status' | 'steps'>) =>
  run.steps.length * 1000 +
  run.steps.filter((s) => s.endedAt).length * 10 +
  (TERMINAL_STATUSES.has(run.status) ? 1 : 0);

/** One run: its status and steps, what went wrong and what to do, the execution, and the live log. */
export default function RunPage() {
  const { workspaceId = '', projectId = '', runId = '' } = useParams();
  const deployments = useDeployments();
  const loaded = useResource(
    (signal) => deployments.get(workspaceId, projectId, runId, signal),
    [deployments, workspaceId, projectId, runId],
  );
  const [event, setEvent] = useState<RunStatusEvent>();
  const reload = loaded.reload;
  const onStatus = useCallback(
    (next: RunStatusEvent) => {
      setEvent(next);
      // The end of a run brings fields status events don't carry (hint, finishedAt, image).
      if (TERMINAL_STATUSES.has(next.status)) reload();
    },
    [reload],
  );
  const log = useRunLog(workspaceId, projectId, runId, onStatus);

  const run = loaded.data && withEvent(loaded.data, event);
  const waiting = run?.status === 'awaiting_approval';
  const approvals = useApprovals();
  // Whether the caller may decide: the workspace's approvals list says, asked for only while the run waits.
  const pending = useResource(
    (signal) => (waiting ? approvals.list(workspaceId, signal) : Promise.resolve(undefined)),
    [approvals, workspaceId, waiting],
  );
  usePageTitle(run ? `${run.projectName}: ${statusLabel(run.status)}` : undefined);

  if (loaded.error)
    return <ErrorMessage error={loaded.error} title="This run could not be loaded" onRetry={reload} />;
  if (!run) return <Loading label="Loading run…" />;

  return (
    <div className="stack-lg run-page">
      <header className="page-header">
        <div className="stack-sm">
          <p className="small">
            <Link to={paths.project(workspaceId, projectId)}>{run.projectName}</Link>
          </p>
          {/* data-run: which run the heading shows, for tests that follow one run across pages. */}
          <h1 className="row" data-run={run.id}>
            <span>{runHeadline(run)}</span>
            <StatusBadge status={run.status} />
          </h1>
          <p className="muted">
            {run.environment}
            {' · '}
            {describeRun(run)}
            {' · started '}
            <TimeAgo date={run.createdAt} /> by{' '}
            {run.trigger === 'webhook' ? `a push by ${requester(run)}` : requester(run)}
          </p>
        </div>
        <LiveStatus />
      </header>
      {/* Status changes are announced; log lines are not. */}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        Run status: {statusLabel(run.status)}
      </p>

      {waiting && (
        <section className="callout callout-info stack-sm" aria-labelledby="approval-title">
          <h2 id="approval-title">Approval</h2>
          <ApprovalActions
            run={{ ...run, expiresAt: run.approval?.expiresAt }}
            approval={pending.data?.items.find((a) => a.runId === run.id)}
            onDecided={(decided) => loaded.setData(decided)}
          />
        </section>
      )}
      {run.approval && run.approval.state !== 'waiting' && <ApprovalDecision approval={run.approval} />}

      <section className="card stack" aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <StepTimeline run={run} />
        <p className="row small">
          <span className="muted">Workflow execution:</span>
          <ExecutionLink run={run} />
        </p>
      </section>

      <RunOutcome run={run} workspaceId={workspaceId} projectId={projectId} />

      <section id="run-log" className="stack" aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        {log.error && <p className="callout callout-error">{log.error}</p>}
        <LogViewer
          lines={log.lines}
          loading={log.loading}
          steps={run.steps}
          fileName={`wharf-${run.projectName}-${run.id}`}
        />
      </section>
    </div>
  );
}

function withEvent(run: Run, event: RunStatusEvent | undefined): Run {
  if (!event || event.runId !== run.id) return run;
  const next: Run = {
    ...run,
    status: event.status,
    steps: event.steps,
    failureReason: event.failureReason ?? run.failureReason,
    releaseId: event.releaseId ?? run.releaseId,
  };
  return progressOf(next) >= progressOf(run) ? next : run;
}

/** How the wait for an owner ended: by whom, and why when rejected. */
function ApprovalDecision({ approval }: { approval: NonNullable<Run['approval']> }) {
  const verb = { approved: 'Approved', rejected: 'Rejected', expired: 'Approval expired' }[
    approval.state as 'approved' | 'rejected' | 'expired'
  ];
  return (
    <p className="small">
      <strong>{verb}</strong>
      {approval.decidedBy && ` by ${approval.decidedBy}`}
      {approval.decidedAt && (
        <>
          {' '}
          <TimeAgo date={approval.decidedAt} />
        </>
      )}
      {approval.reason && ` — ${approval.reason}`}
    </p>
  );
}

function describeRun(run: Run): string {
  if (run.kind === 'rollback') return `without a build${run.reason ? ` — ${run.reason}` : ''}`;
  if (run.kind === 'promote')
    return run.promotedFrom
      ? `the image of ${run.promotedFrom.environment} release ${run.promotedFrom.number}, not rebuilt`
      : 'promotion';
  if (!run.source) return 'database settings';
  const commit = run.sourceCommit ?? run.source.commit;
  return `${run.source.branch}${commit ? ` @ ${commit.slice(0, 7)}` : ''}`;
}
