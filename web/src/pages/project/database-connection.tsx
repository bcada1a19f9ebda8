import type { CredentialsView, ProjectView, RotationView } from '@shared/api.ts';
import type { Environment } from '@shared/naming.ts';
import { useState } from 'react';
import { useDatabases } from '../../api/databases-service.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { CopyButton } from '../../components/copy-button.tsx';
import { describeError } from '../../components/error-message.tsx';

/**
 * A database project's environments: how to reach each (host, port, database, user, a client command
 * to copy), the connection URL on request (Reveal: the API records the read), and password rotation
 * behind a confirmation. Nothing secret is shown until Reveal, and it is dropped on Hide.
 */
export function DatabaseConnections({ project }: { project: ProjectView }) {
  if (project.type !== 'database') return null;
  return (
    <section className="stack" aria-labelledby="connection-title">
      <h2 id="connection-title">Connection</h2>
      {project.pipeline.map((environment) =>
        environment.connection ? (
          <EnvironmentConnection
            key={environment.name}
            workspaceId={project.workspaceId}
            projectId={project.id}
            environment={environment.name}
            connection={environment.connection}
          />
        ) : null,
      )}
    </section>
  );
}

type Connection = NonNullable<ProjectView['pipeline'][number]['connection']>;

function EnvironmentConnection({
  workspaceId,
  projectId,
  environment,
  connection,
}: {
  workspaceId: string;
  projectId: string;
  environment: Environment;
  connection: Connection;
}) {
  const databases = useDatabases();
  const [revealed, setRevealed] = useState<CredentialsView>();
  const [revealing, setRevealing] = useState(false);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotateError, setRotateError] = useState<string>();
  const [rotation, setRotation] = useState<RotationView>();
  const titleId = `connection-${environment}`;

  const reveal = async () => {
    setRevealing(true);
    setError(undefined);
    try {
      setRevealed(await databases.credentials(workspaceId, projectId, environment));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setRevealing(false);
    }
  };

  const rotate = async () => {
    setRotating(true);
    setRotateError(undefined);
    try {
      const result = await databases.rotate(workspaceId, projectId, environment);
      setRotation(result);
      // What was revealed is the old password now.
      setRevealed(undefined);
      setConfirming(false);
    } catch (e) {
      setRotateError(describeError(e));
    } finally {
      setRotating(false);
    }
  };

  return (
    <section className="card stack-sm" aria-labelledby={titleId}>
      <h3 id={titleId} className="env-title">
        {environment}
      </h3>
      <dl className="connection-facts">
        <dt>Host</dt>
        <dd>
          <code>{connection.host}</code>
        </dd>
        <dt>Port</dt>
        <dd>
          <code>{connection.port}</code>
        </dd>
        <dt>Database</dt>
        <dd>
          <code>{connection.database}</code>
        </dd>
        <dt>User</dt>
        <dd>
          <code>{connection.user}</code>
        </dd>
      </dl>
      <div className="stack-sm">
        <p className="small muted">From inside the cluster (the client asks for the password):</p>
        <div className="row">
          <code className="connection-command">{connection.command}</code>
          <CopyButton text={connection.command} label="Copy command" />
        </div>
        {connection.local && (
          <>
            <p className="small muted">
              From this machine, while it runs ({connection.local.host}:{connection.local.port}):
            </p>
            <div className="row">
              <code className="connection-command">{connection.local.command}</code>
              <CopyButton text={connection.local.command} label="Copy local command" />
            </div>
          </>
        )}
      </div>
      {revealed ? (
        <div className="stack-sm">
          <p className="small muted">Connection URL (this read is recorded):</p>
          <div className="row">
            <code className="connection-command">{revealed.url}</code>
            <CopyButton text={revealed.url} label="Copy URL" />
          </div>
          {revealed.localUrl && (
            <div className="row">
              <code className="connection-command">{revealed.localUrl}</code>
              <CopyButton text={revealed.localUrl} label="Copy local URL" />
            </div>
          )}
        </div>
      ) : null}
      {error && (
        <p role="alert" className="small">
          {error}
        </p>
      )}
      {rotation && (
        <p role="status" className="small">
          Password rotated (version {rotation.version}).
          {rotation.runId
            ? ` Run ${rotation.runId} restarts the database with it.`
            : ' It takes effect with the first deploy.'}
        </p>
      )}
      <div className="row">
        {revealed ? (
          <button type="button" className="btn btn-sm" onClick={() => setRevealed(undefined)}>
            Hide
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-sm"
            onClick={reveal}
            disabled={revealing}
            aria-busy={revealing}
          >
            {revealing ? 'Revealing…' : 'Reveal'}
          </button>
        )}
        <button type="button" className="btn btn-sm" onClick={() => setConfirming(true)}>
          Rotate password
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title={`Rotate the ${environment} password?`}
          confirmLabel="Rotate password"
          busyLabel="Rotating…"
          tone="danger"
          busy={rotating}
          error={rotateError}
          onConfirm={rotate}
          onCancel={() => {
            setConfirming(false);
            setRotateError(undefined);
          }}
        >
          <p>
            A new password replaces the current one. If {environment} is deployed, the database restarts with
            it, and apps bound to it get the new connection URL; clients using the old password are refused.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
