import type { ApprovalView } from '@shared/api.ts';
import type { Run } from '@shared/deploy.ts';
import { useId, useState } from 'react';
import { useApprovals } from '../api/approvals-service.ts';
import { useAuth } from '../auth/auth.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { describeError } from './error-message.tsx';
import { TextAreaField } from './form/fields.tsx';
import { Spinner } from './loading.tsx';

/** The exact time, in the reader's locale: an approval deadline is read as a time, not "in 23 hours". */
export function ExactTime({ date }: { date: string }) {
  const parsed = new Date(date);
  return (
    <time dateTime={date}>
      {Number.isNaN(parsed.getTime())
        ? date
        : parsed.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

/** Why the caller may not decide: the API says only `canDecide`, the two cases it covers are told apart here. */
export function cannotDecideReason(requestedBy: string, userId: string | undefined): string {
  return requestedBy === userId
    ? 'You requested this run: another owner of the workspace must approve or reject it.'
    : 'Only an owner of the workspace can approve or reject this run.';
}

/**
 * A run waiting in `awaiting_approval`: until when, and Approve / Reject (a rejection needs a reason,
 * which the requester reads). `approval` is the caller's entry of `GET /approvals`; when it says the
 * caller cannot decide, the buttons are disabled with the reason next to them. Should the API refuse
 * anyway (403 `approval.self_approval`), its message is shown.
 */
export function ApprovalActions({
  run,
  approval,
  label,
  onDecided,
}: {
  run: Pick<Run, 'id' | 'workspaceId' | 'projectId' | 'requestedBy'> & { expiresAt: string | undefined };
  approval: ApprovalView | undefined;
  /** What the run is, for the buttons' accessible names in a list ("deploy r1 of shop to production"). */
  label?: string | undefined;
  onDecided(run: Run): void;
}) {
  const approvals = useApprovals();
  const auth = useAuth();
  const reasonId = useId();
  const [busy, setBusy] = useState<'approve' | 'reject'>();
  const [error, setError] = useState<string>();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string>();
  const canDecide = approval?.canDecide !== false;
  const blocked = canDecide ? undefined : cannotDecideReason(run.requestedBy, auth.user?.id);

  const decide = async (action: 'approve' | 'reject') => {
    setBusy(action);
    setError(undefined);
    try {
      const decided =
        action === 'approve'
          ? await approvals.approve(run.workspaceId, run.projectId, run.id)
          : await approvals.reject(run.workspaceId, run.projectId, run.id, reason.trim());
      setRejecting(false);
      onDecided(decided);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(undefined);
    }
  };

  const confirmReject = () => {
    if (!reason.trim()) {
      setReasonError('is required: the requester reads why their run was rejected');
      return;
    }
    setReasonError(undefined);
    void decide('reject');
  };

  return (
    <div className="approval-actions stack-sm">
      <p>
        <strong>Waiting for approval</strong>
        {run.expiresAt && (
          <>
            {' until '}
            <ExactTime date={run.expiresAt} />
          </>
        )}
      </p>
      <div className="row">
        <button
          type="button"
          className="btn btn-primary btn-sm"
          disabled={!canDecide || busy !== undefined}
          aria-describedby={blocked ? reasonId : undefined}
          aria-label={label ? `Approve ${label}` : undefined}
          onClick={() => void decide('approve')}
        >
          {busy === 'approve' && <Spinner />}
          {busy === 'approve' ? 'Approving…' : 'Approve'}
        </button>
        <button
          type="button"
          className="btn btn-danger btn-sm"
          disabled={!canDecide || busy !== undefined}
          aria-describedby={blocked ? reasonId : undefined}
          aria-label={label ? `Reject ${label}` : undefined}
          onClick={() => {
            setError(undefined);
            setRejecting(true);
          }}
        >
          Reject
        </button>
      </div>
      {blocked && (
        <p id={reasonId} className="muted small">
          {blocked}
        </p>
      )}
      {error && !rejecting && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {rejecting && (
        <ConfirmDialog
          title="Reject this run?"
          confirmLabel="Reject"
          busyLabel="Rejecting…"
          tone="danger"
          busy={busy === 'reject'}
          error={error}
          onConfirm={confirmReject}
          onCancel={() => {
            setRejecting(false);
            setError(undefined);
            setReasonError(undefined);
          }}
        >
          <p>The run ends cancelled and nothing is deployed.</p>
          <TextAreaField
            path="reason"
            label="Reason"
            value={reason}
            onChange={setReason}
            error={reasonError}
            hint="Required: shown to whoever started the run."
            required
          />
        </ConfirmDialog>
      )}
    </div>
  );
}
