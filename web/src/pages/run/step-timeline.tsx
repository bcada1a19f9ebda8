import { type Run, type RunStep, type StepName, TERMINAL_STATUSES } from '@shared/deploy.ts';
import { useEffect, useState } from 'react';
import { statusLabel } from '../../components/status-badge.tsx';
import { formatDuration } from '../project/format.ts';

const STEP_LABELS: Record<StepName, string> = {
  queue: 'Queued',
  approval: 'Waiting for approval',
  build: 'Building',
  push: 'Pushing image',
  gitops: 'Updating GitOps',
  sync: 'Syncing',
  rollback: 'Rolling back',
};

/**
 * The steps a run goes through when all is well: a rollback re-commits and a promotion deploys an
 * image already built, so neither builds. `approval` is planned only for runs that wait for one.
 */
const PLANNED: Record<Run['kind'], StepName[]> = {
  deploy: ['queue', 'build', 'push', 'gitops', 'sync'],
  rollback: ['queue', 'gitops', 'sync'],
  promote: ['queue', 'gitops', 'sync'],
};

function plannedSteps(run: Pick<Run, 'kind' | 'approval'>): StepName[] {
  const [first, ...rest] = PLANNED[run.kind];
  return run.approval && first ? [first, 'approval', ...rest] : PLANNED[run.kind];
}

type StepState = RunStep['status'] | 'pending' | 'not_reached';

const STATE_TEXT: Record<StepState, string> = {
  running: 'In progress',
  succeeded: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  pending: 'Waiting',
  not_reached: 'Not reached',
};
const STATE_ICON: Record<StepState, string> = {
  running: '◐',
  succeeded: '✓',
  failed: '✕',
  skipped: '–',
  pending: '○',
  not_reached: '○',
};

interface TimelineItem {
  key: string;
  label: string;
  state: StepState;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
  detail?: string | undefined;
}

/** The steps the run took, then the ones still to come, then where it ends (deployed, or how it failed). */
export function timelineOf(run: Pick<Run, 'kind' | 'status' | 'steps' | 'approval'>): TimelineItem[] {
  const terminal = TERMINAL_STATUSES.has(run.status);
  const items: TimelineItem[] = run.steps.map((step, i) => ({
    key: `${step.name}-${i}`,
    label: STEP_LABELS[step.name],
    state: step.status,
    startedAt: step.startedAt,
    endedAt: step.endedAt,
    detail: step.detail,
  }));
  const taken = new Set(run.steps.map((s) => s.name));
  for (const name of plannedSteps(run)) {
    if (!taken.has(name)) {
      items.push({ key: name, label: STEP_LABELS[name], state: terminal ? 'not_reached' : 'pending' });
    }
  }
  const end = run.status === 'deployed' || !terminal ? 'deployed' : run.status;
  items.push({
    key: 'end',
    label: statusLabel(end),
    state: !terminal
      ? 'pending'
      : run.status === 'deployed'
        ? 'succeeded'
        : run.status === 'failed' || run.status === 'rolled_back'
          ? 'failed'
          : 'skipped',
    startedAt: terminal ? run.steps.at(-1)?.endedAt : undefined,
  });
  return items;
}

/** Re-renders every second while `active`: running steps show a ticking duration. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function StepTimeline({ run }: { run: Pick<Run, 'kind' | 'status' | 'steps' | 'approval'> }) {
  const items = timelineOf(run);
  const now = useNow(items.some((i) => i.state === 'running'));
  return (
    <ol className="step-timeline" aria-label="Steps">
      {items.map((item) => {
        const duration =
          item.key !== 'end' && item.startedAt
            ? formatDuration((item.endedAt ? Date.parse(item.endedAt) : now) - Date.parse(item.startedAt))
            : undefined;
        return (
          <li
            key={item.key}
            className={`step step-${item.state}`}
            aria-current={item.state === 'running' ? 'step' : undefined}
          >
            <span className="step-icon" aria-hidden="true">
              {STATE_ICON[item.state]}
            </span>
            <span className="step-label">{item.label}</span>
            <span className="step-state">
              {item.key === 'end' && item.state !== 'pending' ? '' : STATE_TEXT[item.state]}
              {duration && <span className="step-duration"> · {duration}</span>}
            </span>
            {item.detail && <span className="step-detail muted small">{item.detail}</span>}
          </li>
        );
      })}
    </ol>
  );
}
