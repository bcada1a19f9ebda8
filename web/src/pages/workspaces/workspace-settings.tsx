import { useParams } from 'react-router';
import { useConfig } from '../../api/context.tsx';
import { useWorkspaces } from '../../api/workspaces-service.ts';
import { CopyButton } from '../../components/copy-button.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { useMe } from '../../components/me-context.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { useResource } from '../../components/use-resource.ts';
import { CreateWorkspaceForm } from './create-workspace-form.tsx';
import { MembersSection } from './members-section.tsx';

/** `/w/:workspaceId/settings`: the workspace's namespace and members; owners manage members. */
export function WorkspaceSettings() {
  const { workspaceId = '' } = useParams();
  const workspaces = useWorkspaces();
  const config = useConfig();
  const { me } = useMe();
  const workspace = useResource((signal) => workspaces.get(workspaceId, signal), [workspaces, workspaceId]);
  usePageTitle(workspace.data ? `${workspace.data.name} settings` : 'Workspace settings');

  if (!workspace.data) {
    return workspace.error !== undefined ? (
      <ErrorMessage
        title="This workspace could not be loaded"
        error={workspace.error}
        onRetry={workspace.reload}
      />
    ) : (
      <Loading label="Loading workspace…" />
    );
  }
  const w = workspace.data;
  const myId = me?.user.id;

  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <p className="small muted">Workspace settings</p>
          <h1>{w.name}</h1>
        </div>
      </div>

      <section className="card stack" aria-labelledby="workspace-details">
        <h2 id="workspace-details">Details</h2>
        <dl className="dl">
          <dt>Name</dt>
          <dd>{w.name}</dd>
          <dt>Workspace id</dt>
          <dd className="row">
            <span className="code">{w.id}</span>
            <CopyButton text={w.id} label="Copy id" />
          </dd>
          <dt>Kubernetes namespace</dt>
          <dd className="stack-sm">
            <span className="code">{w.namespace}</span>
            <span className="small muted">
              Derived from the workspace, never typed: every project of this workspace runs in it.
            </span>
          </dd>
          <dt>Kind</dt>
          <dd>{w.personal ? 'Personal workspace' : 'Shared workspace'}</dd>
          <dt>Your role</dt>
          <dd>{w.role === 'owner' ? 'Owner — you can add and remove members' : 'Member'}</dd>
          {myId && (
            <>
              <dt>Your user id</dt>
              <dd className="row">
                <span className="code">{myId}</span>
                <CopyButton text={myId} label="Copy user id" />
              </dd>
            </>
          )}
        </dl>
      </section>

      <MembersSection
        workspace={w}
        myId={myId}
        localMode={config.mode === 'local'}
        onChanged={workspace.reload}
      />

      <section className="card stack" aria-labelledby="create-workspace">
        <div className="stack-sm">
          <h2 id="create-workspace">Create another workspace</h2>
          <p className="muted">You become its owner; it gets its own Kubernetes namespace.</p>
        </div>
        <CreateWorkspaceForm />
      </section>
    </div>
  );
}
