import type { WorkspaceDetailView } from '@shared/api.ts';
import type { MemberView } from '@shared/domain.ts';
import { addMemberSchema, ROLES, type Role } from '@shared/schemas/workspace.ts';
import { type FormEvent, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useWorkspaces } from '../../api/workspaces-service.ts';
import { paths } from '../../app/paths.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { describeError } from '../../components/error-message.tsx';
import { validate } from '../../components/form/field-errors.ts';
import { ErrorSummary, SelectField, TextField } from '../../components/form/fields.tsx';
import { useSubmit } from '../../components/form/use-submit.ts';
import { Spinner } from '../../components/loading.tsx';
import { useMe } from '../../components/me-context.tsx';
import { ScrollRegion } from '../../components/scroll-region.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: r === 'owner' ? 'Owner' : 'Member' }));

export function MembersSection({
  workspace,
  myId,
  localMode,
  onChanged,
}: {
  workspace: WorkspaceDetailView;
  myId: string | undefined;
  localMode: boolean;
  onChanged: () => void;
}) {
  const owner = workspace.role === 'owner';
  return (
    <section className="card stack" aria-labelledby="members">
      <div className="stack-sm">
        <h2 id="members">Members</h2>
        <p className="muted">
          Members see and deploy every project of this workspace; owners also manage members.
        </p>
      </div>
      <ScrollRegion label="Members">
        <table className="table">
          <caption className="visually-hidden">Members of {workspace.name}</caption>
          <thead>
            <tr>
              <th scope="col">User id</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {workspace.members.map((m) => (
              <MemberRow
                key={m.userId}
                member={m}
                workspaceId={workspace.id}
                isMe={m.userId === myId}
                canRemove={owner || m.userId === myId}
                onChanged={onChanged}
              />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {owner ? (
        <AddMemberForm workspaceId={workspace.id} localMode={localMode} onAdded={onChanged} />
      ) : (
        <p className="small muted">Only an owner can add members.</p>
      )}
    </section>
  );
}

/** A member's row; removing (or leaving) asks for confirmation first. */
function MemberRow({
  member,
  workspaceId,
  isMe,
  canRemove,
  onChanged,
}: {
  member: MemberView;
  workspaceId: string;
  isMe: boolean;
  canRemove: boolean;
  onChanged: () => void;
}) {
  const workspaces = useWorkspaces();
  const me = useMe();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();

  const remove = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      await workspaces.removeMember(workspaceId, member.userId);
      setConfirming(false);
      if (isMe) {
        me.reload();
        navigate(paths.home(), { replace: true });
      } else onChanged();
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr>
      <td>
        {member.name ?? member.username ?? <span className="mono">{member.userId}</span>}
        {isMe && <span className="muted"> (you)</span>}
        {(member.name || member.username) && (
          <div className="small muted">
            {member.username && member.username !== member.name ? `${member.username} · ` : ''}
            <span className="mono">{member.userId}</span>
          </div>
        )}
      </td>
      <td>{member.role === 'owner' ? 'Owner' : 'Member'}</td>
      <td>
        <TimeAgo date={member.addedAt} />
      </td>
      <td>
        {canRemove && (
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => setConfirming(true)}
            aria-label={isMe ? 'Leave this workspace' : `Remove ${member.name ?? member.userId}`}
          >
            {isMe ? 'Leave' : 'Remove'}
          </button>
        )}
        {confirming && (
          <ConfirmDialog
            title={isMe ? 'Leave this workspace?' : `Remove ${member.name ?? member.userId}?`}
            confirmLabel={isMe ? 'Leave workspace' : 'Remove member'}
            busyLabel={isMe ? 'Leaving…' : 'Removing…'}
            tone="danger"
            busy={busy}
            error={failure}
            onConfirm={remove}
            onCancel={() => {
              setConfirming(false);
              setFailure(undefined);
            }}
          >
            <p>
              {isMe
                ? 'You lose access to its projects until an owner adds you again.'
                : `${member.userId} loses access to this workspace's projects. Their past runs stay in the history.`}
            </p>
          </ConfirmDialog>
        )}
      </td>
    </tr>
  );
}

function AddMemberForm({
  workspaceId,
  localMode,
  onAdded,
}: {
  workspaceId: string;
  localMode: boolean;
  onAdded: () => void;
}) {
  const workspaces = useWorkspaces();
  const form = useRef<HTMLFormElement>(null);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [added, setAdded] = useState<string>();
  const { busy: saving, errors, failure, run } = useSubmit(form);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAdded(undefined);
    void run(
      () => validate(addMemberSchema, { userId: userId.trim(), role }),
      async (member) => {
        await workspaces.addMember(workspaceId, member);
        setAdded(`${member.userId} is now a ${member.role} of this workspace.`);
        setUserId('');
        onAdded();
      },
    );
  };

  return (
    <form ref={form} className="stack-sm" onSubmit={submit} noValidate aria-labelledby="add-member">
      <h3 id="add-member">Add a member</h3>
      <div className="grid-2">
        <TextField
          path="member.userId"
          label="User id"
          value={userId}
          onChange={setUserId}
          error={errors.userId}
          hint={
            localMode
              ? 'They must have signed in to Wharf once. Dev accounts: alice, bob, carol.'
              : 'They must have signed in to Wharf once; they find their user id in a workspace’s settings.'
          }
          autoComplete="off"
          spellCheck={false}
        />
        <SelectField
          path="member.role"
          label="Role"
          value={role}
          onChange={(value) => setRole(value as Role)}
          options={ROLE_OPTIONS}
          error={errors.role}
        />
      </div>
      <ErrorSummary messages={failure ? [failure] : []} />
      <p role="status" className="small">
        {added}
      </p>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving && <Spinner />}
          Add member
        </button>
      </div>
    </form>
  );
}
