import type { ApprovalView } from '@shared/api.ts';
import { useEffect } from 'react';
import { Link } from 'react-router';
import { useApprovals } from '../../api/approvals-service.ts';
import { paths } from '../../app/paths.ts';
import { ApprovalActions } from '../../components/approval-actions.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { useResource } from '../../components/use-resource.ts';
import { useLive } from '../../live/live-context.tsx';

const KIND = { deploy: 'Deploy', rollback: 'Rollback', promote: 'Promotion' } as const;

/** The ones the caller may decide first; otherwise the API's order (oldest first). */
export const decidableFirst = (items: readonly ApprovalView[]) =>
  [...items].sort((a, b) => Number(b.canDecide) - Number(a.canDecide));

/**
 * "Waiting for your approval": the workspace's runs that wait for an owner, each linking to its run,
 * with Approve / Reject in place. Hidden while nothing waits; reloads when a run of the workspace
 * changes (one waits, or another owner decided).
 */
export function ApprovalsSection({ workspaceId }: { workspaceId: string }) {
  const approvals = useApprovals();
  const list = useResource((signal) => approvals.list(workspaceId, signal), [approvals, workspaceId]);
  const { watchWorkspace } = useLive();
  const reload = list.reload;
  useEffect(() => watchWorkspace(workspaceId, () => reload()), [watchWorkspace, workspaceId, reload]);

  if (list.error !== undefined && !list.data)
    return (
      <ErrorMessage
        title="Runs waiting for approval could not be loaded"
        error={list.error}
        onRetry={reload}
      />
    );
  const items = decidableFirst(list.data?.items ?? []);
  if (items.length === 0) return null;
  return (
    <section className="card stack" aria-labelledby="approvals-title">
      <h2 id="approvals-title">Waiting for your approval</h2>
      <ul className="approval-list stack">
        {items.map((item) => {
          const what = `${KIND[item.kind]} of ${item.projectName} to ${item.environment}`;
          return (
            <li key={item.runId} className="stack-sm">
              <p>
                <Link to={paths.run(item.workspaceId, item.projectId, item.runId)}>{what}</Link>
                {item.promotedFrom && (
                  <span className="muted">
                    {' '}
                    (from {item.promotedFrom.environment} #{item.promotedFrom.number})
                  </span>
                )}
                <span className="muted small">
                  {' '}
                  requested by {item.requestedBy} <TimeAgo date={item.requestedAt} />
                </span>
              </p>
              <ApprovalActions
                run={{
                  id: item.runId,
                  workspaceId: item.workspaceId,
                  projectId: item.projectId,
                  requestedBy: item.requestedBy,
                  expiresAt: item.expiresAt,
                }}
                approval={item}
                label={`${KIND[item.kind].toLowerCase()} of ${item.projectName} to ${item.environment}`}
                onDecided={reload}
              />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
