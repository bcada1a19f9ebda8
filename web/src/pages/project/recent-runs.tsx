import type { ApprovalView } from '@shared/api.ts';
import { RUN_STATUSES, type Run, type RunStatus, type RunTrigger } from '@shared/deploy.ts';
import type { Environment } from '@shared/naming.ts';
import { useState } from 'react';
import { Link } from 'react-router';
import { useDeployments } from '../../api/deployments-service.ts';
import { paths } from '../../app/paths.ts';
import { ApprovalActions } from '../../components/approval-actions.tsx';
import { describeError, ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { ScrollRegion } from '../../components/scroll-region.tsx';
import { StatusBadge, statusLabel } from '../../components/status-badge.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { useResource } from '../../components/use-resource.ts';
import { runHeadline, runTitle } from './format.ts';

export const RUN_KIND_LABELS: Record<Run['kind'], string> = {
  deploy: 'Deploy',
  rollback: 'Rollback',
  promote: 'Promotion',
};

export const TRIGGER_LABELS: Record<RunTrigger, string> = {
  user: 'Manual',
  webhook: 'Push or tag',
};

/** How many runs one "Show more" (and a filtered list's first page) loads. */
export const RUN_PAGE = 20;

export interface RunFilterValues {
  status?: RunStatus | undefined;
  environment?: Environment | undefined;
  trigger?: RunTrigger | undefined;
}

/** Newest first (run ids sort by time), each run once: pages loaded earlier may overlap a reloaded first page. */
function merge(...lists: Run[][]): Run[] {
  const byId = new Map<string, Run>();
  for (const list of lists) for (const run of list) if (!byId.has(run.id)) byId.set(run.id, run);
  return [...byId.values()].sort((a, b) => b.id.localeCompare(a.id));
}

/**
 * The project's run history, newest first, with filters (status, environment, trigger: applied by the
 * API) and "Show more" down to the first run. Unfiltered, it starts from the page the project page
 * loaded (`runs`, `nextCursor`), which reloads when runs start and end; `live` holds statuses that
 * changed since. A run waiting for approval offers Approve / Reject (`approvals`: the workspace's list,
 * which says whether the caller may decide).
 */
export function RecentRuns({
  workspaceId,
  projectId,
  environments,
  runs,
  nextCursor,
  live,
  approvals,
  onDecided,
}: {
  workspaceId: string;
  projectId: string;
  environments: readonly Environment[];
  runs: Run[];
  nextCursor?: string | undefined;
  live: Readonly<Record<string, RunStatus>>;
  approvals?: readonly ApprovalView[] | undefined;
  onDecided?(run: Run): void;
}) {
  const deployments = useDeployments();
  const [filter, setFilter] = useState<RunFilterValues>({});
  const filtered = Boolean(filter.status || filter.environment || filter.trigger);
  const first = useResource(
    (signal) =>
      filtered
        ? deployments.list(workspaceId, projectId, { limit: RUN_PAGE, ...filter }, signal)
        : Promise.resolve(undefined),
    [deployments, workspaceId, projectId, filtered, filter.status, filter.environment, filter.trigger],
  );
  // Older pages, for the filter they were loaded with: everything shown when "Show more" was pressed
  // plus the page it loaded, so a reloaded first page never leaves a hole.
  const filterKey = JSON.stringify(filter);
  const [older, setOlder] = useState<{ key: string; items: Run[]; cursor: string | undefined }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string>();

  const base = filtered ? first.data : { items: runs, nextCursor };
  const mine = older?.key === filterKey ? older : undefined;
  const items = merge(base?.items ?? [], mine?.items ?? []);
  const cursor = mine ? mine.cursor : base?.nextCursor;

  const showMore = async () => {
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await deployments.list(workspaceId, projectId, { limit: RUN_PAGE, cursor, ...filter });
      setOlder({ key: filterKey, items: merge(items, page.items), cursor: page.nextCursor });
    } catch (e) {
      setMoreError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  };

  const change = (next: RunFilterValues) => {
    setFilter(next);
    setMoreError(undefined);
  };

  return (
    <div className="stack">
      <fieldset className="row run-filters">
        <legend className="visually-hidden">Filter runs</legend>
        <label className="field-inline">
          Filter by status{' '}
          <select
            value={filter.status ?? ''}
            onChange={(e) => change({ ...filter, status: (e.target.value || undefined) as RunStatus })}
          >
            <option value="">Any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </label>
        {environments.length > 1 && (
          <label className="field-inline">
            Filter by environment{' '}
            <select
              value={filter.environment ?? ''}
              onChange={(e) =>
                change({ ...filter, environment: (e.target.value || undefined) as Environment })
              }
            >
              <option value="">Any</option>
              {environments.map((env) => (
                <option key={env} value={env}>
                  {env}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field-inline">
          Filter by trigger{' '}
          <select
            value={filter.trigger ?? ''}
            onChange={(e) => change({ ...filter, trigger: (e.target.value || undefined) as RunTrigger })}
          >
            <option value="">Any</option>
            {(Object.keys(TRIGGER_LABELS) as RunTrigger[]).map((t) => (
              <option key={t} value={t}>
                {TRIGGER_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <button type="button" className="btn btn-sm" onClick={() => change({})}>
            Clear filters
          </button>
        )}
      </fieldset>

      {filtered && first.error ? (
        <ErrorMessage error={first.error} title="Runs could not be loaded" onRetry={first.reload} />
      ) : !base ? (
        <Loading label="Loading runs…" />
      ) : items.length === 0 ? (
        <p className="muted">
          {filtered ? 'No runs match these filters.' : 'No runs yet: deploy to start the first one.'}
        </p>
      ) : (
        <RunTable items={items} live={live} approvals={approvals} onDecided={onDecided} />
      )}

      {moreError && (
        <p role="alert" className="small">
          More runs could not be loaded: {moreError}
        </p>
      )}
      {base && cursor ? (
        <button type="button" className="btn" onClick={showMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Show more'}
        </button>
      ) : (
        mine && <p className="muted small">That is the whole history.</p>
      )}
    </div>
  );
}

function RunTable({
  items,
  live,
  approvals,
  onDecided,
}: {
  items: Run[];
  live: Readonly<Record<string, RunStatus>>;
  approvals?: readonly ApprovalView[] | undefined;
  onDecided?(run: Run): void;
}) {
  return (
    <ScrollRegion label="Runs">
      <table className="table runs-table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Run</th>
            <th scope="col">Environment</th>
            <th scope="col">Trigger</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {items.map((run) => {
            const status = live[run.id] ?? run.status;
            const approval = approvals?.find((a) => a.runId === run.id);
            return (
              <tr key={run.id} className="run-row">
                <td>
                  <StatusBadge status={status} />
                  {status === 'awaiting_approval' && (
                    <span className="row-actions">
                      <ApprovalActions
                        run={{ ...run, expiresAt: run.approval?.expiresAt ?? approval?.expiresAt }}
                        approval={approval}
                        label={runHeadline(run)}
                        onDecided={(decided) => onDecided?.(decided)}
                      />
                    </span>
                  )}
                </td>
                <th scope="row">
                  <Link to={paths.run(run.workspaceId, run.projectId, run.id)}>{runTitle(run)}</Link>
                </th>
                <td>{run.environment}</td>
                <td>{TRIGGER_LABELS[run.trigger]}</td>
                <td>
                  <TimeAgo date={run.createdAt} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
