import type { ReleaseSummary } from '@shared/api.ts';
import type { Environment } from '@shared/naming.ts';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { usePromotions } from '../../api/environments-service.ts';
import { paths } from '../../app/paths.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { describeError, ErrorMessage } from '../../components/error-message.tsx';
import { Loading } from '../../components/loading.tsx';
import { useResource } from '../../components/use-resource.ts';
import { EnvNameChanges, ImageChange, ValuesChange } from './rollback-dialog.tsx';

/**
 * Confirms a promotion after showing the API's preview of it: the image the target gets (the
 * source's, by digest), the target's values.yaml diff, the variable names that appear or disappear,
 * and whether the target waits for an owner's approval. On 202 the run page takes over.
 */
export function PromoteDialog({
  workspaceId,
  projectId,
  source,
  release,
  target,
  onCancel,
}: {
  workspaceId: string;
  projectId: string;
  source: Environment;
  release: ReleaseSummary;
  target: Environment;
  onCancel(): void;
}) {
  const promotions = usePromotions();
  const navigate = useNavigate();
  const preview = useResource(
    (signal) => promotions.preview(workspaceId, projectId, target, release.id, signal),
    [promotions, workspaceId, projectId, target, release.id],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const promote = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const run = await promotions.create(workspaceId, projectId, target, release.id);
      navigate(paths.run(workspaceId, projectId, run.id));
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  const p = preview.data;
  return (
    <ConfirmDialog
      title={`Promote ${source} release ${release.number} to ${target}?`}
      confirmLabel="Promote"
      busyLabel="Starting promotion…"
      busy={busy}
      confirmDisabled={!p}
      error={error}
      onConfirm={promote}
      onCancel={onCancel}
    >
      <p>
        {target} gets the image {source} runs, with {target}'s own configuration. Nothing is rebuilt.
      </p>
      {preview.error ? (
        <ErrorMessage
          error={preview.error}
          title="The preview could not be loaded"
          onRetry={preview.reload}
        />
      ) : !p ? (
        <Loading label="Loading what changes…" />
      ) : (
        <div className="rollback-preview stack">
          {p.requiresApproval && (
            <p className="callout callout-info">
              <strong>{target} requires approval.</strong> The run waits until an owner of the workspace
              approves it; nothing is deployed before.
            </p>
          )}
          <ImageChange from={p.image.from} to={p.image.to} />
          <ValuesChange from={p.values.from ?? ''} to={p.values.to} />
          <EnvNameChanges added={p.envNames.added} removed={p.envNames.removed} />
        </div>
      )}
    </ConfirmDialog>
  );
}
