import type { RunStatus } from '@shared/deploy.ts';
import type { JSX } from 'react';
import './status-badge.css';

/** What each status reads as; the symbol and the words carry the meaning, colour only reinforces it. */
const LABELS: Record<RunStatus | 'never', { label: string; icon: string; tone: string }> = {
  queued: { label: 'Queued', icon: '○', tone: '' },
  // Its own colour: a run that waits for a person, not for the platform.
  awaiting_approval: { label: 'Awaiting approval', icon: '⏸', tone: 'badge-approval' },
  building: { label: 'Building', icon: '◐', tone: 'badge-accent status-active' },
  pushing: { label: 'Pushing image', icon: '◐', tone: 'badge-accent status-active' },
  updating_gitops: { label: 'Updating GitOps', icon: '◐', tone: 'badge-accent status-active' },
  syncing: { label: 'Syncing', icon: '◐', tone: 'badge-accent status-active' },
  deployed: { label: 'Deployed', icon: '✓', tone: 'badge-success' },
  failed: { label: 'Failed', icon: '✕', tone: 'badge-danger' },
  rolled_back: { label: 'Rolled back', icon: '↺', tone: 'badge-warning' },
  superseded: { label: 'Superseded', icon: '»', tone: '' },
  cancelled: { label: 'Cancelled', icon: '⊘', tone: '' },
  never: { label: 'Not deployed yet', icon: '–', tone: '' },
};

export const statusLabel = (status: RunStatus | 'never') => LABELS[status].label;

export function StatusBadge({ status }: { status: RunStatus | 'never' }): JSX.Element {
  const { label, icon, tone } = LABELS[status] ?? LABELS.never;
  return (
    <span className={`badge status-badge ${tone}`.trimEnd()} data-status={status}>
      <span aria-hidden="true" className="status-badge-icon">
        {icon}
      </span>
      {label}
    </span>
  );
}
