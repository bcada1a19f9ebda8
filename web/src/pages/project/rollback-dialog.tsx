import type { Release } from '@shared/deploy.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { type DiffLine, diffLines, nameChanges } from './line-diff.ts';

/** Unchanged stretches longer than this are folded (the context around a change stays). */
const CONTEXT = 3;

/**
 * Confirms a rollback, showing what it changes against the live release: the image, the values.yaml
 * diff and the env var names that appear or disappear.
 */
export function RollbackDialog({
  current,
  target,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  current: Release | undefined;
  target: Release;
  busy: boolean;
  error: string | undefined;
  onConfirm(): void;
  onCancel(): void;
}) {
  return (
    <ConfirmDialog
      title={`Roll back ${target.environment} to release ${target.number}?`}
      confirmLabel="Roll back"
      busyLabel="Starting rollback…"
      tone="danger"
      busy={busy}
      error={error}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        Release {target.number}'s manifests are committed to GitOps again; nothing is rebuilt.
        {current ? ` Release ${current.number} stops serving.` : ''}
      </p>
      <RollbackPreview current={current} target={target} />
    </ConfirmDialog>
  );
}

export function RollbackPreview({ current, target }: { current: Release | undefined; target: Release }) {
  const diff = diffLines(current?.values ?? '', target.values);
  const env = nameChanges(current?.envNames ?? [], target.envNames);
  const imageChanges = current?.image.reference !== target.image.reference;
  return (
    <div className="rollback-preview stack">
      <section>
        <h3>Image</h3>
        {current && !imageChanges ? (
          <p>
            <code>{target.image.reference}</code> <span className="muted">(unchanged)</span>
          </p>
        ) : (
          <p className="rollback-image">
            {current && (
              <>
                <code>{current.image.reference}</code>
                <span aria-hidden="true"> → </span>
                <span className="visually-hidden">becomes</span>{' '}
              </>
            )}
            <code>{target.image.reference}</code>
          </p>
        )}
      </section>
      <section>
        <h3>Configuration (values.yaml)</h3>
        {diff.some((l) => l.kind !== 'same') ? (
          <ValuesDiff diff={diff} />
        ) : (
          <p className="muted">No configuration changes.</p>
        )}
      </section>
      <section>
        <h3>Environment variables</h3>
        {env.added.length === 0 && env.removed.length === 0 ? (
          <p className="muted">No variables added or removed.</p>
        ) : (
          <ul className="rollback-env">
            {env.added.map((name) => (
              <li key={`+${name}`} className="diff-added">
                Added: <code>{name}</code>
              </li>
            ))}
            {env.removed.map((name) => (
              <li key={`-${name}`} className="diff-removed">
                Removed: <code>{name}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

type Shown = DiffLine | { kind: 'fold'; count: number };

/** Keeps changed lines and a few lines around them; folds the rest. */
function foldUnchanged(diff: DiffLine[]): Shown[] {
  const near = diff.map((_, i) =>
    diff.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((l) => l.kind !== 'same'),
  );
  const shown: Shown[] = [];
  diff.forEach((line, i) => {
    if (near[i]) shown.push(line);
    else {
      const last = shown.at(-1);
      if (last?.kind === 'fold') last.count++;
      else shown.push({ kind: 'fold', count: 1 });
    }
  });
  return shown;
}

const SIGN = { same: ' ', added: '+', removed: '-' } as const;

function ValuesDiff({ diff }: { diff: DiffLine[] }) {
  return (
    <figure className="values-diff-figure">
      <figcaption className="visually-hidden">
        Changes to values.yaml: lines starting with - are removed, lines starting with + are added
      </figcaption>
      <pre className="values-diff">
        {foldUnchanged(diff).map((line, i) =>
          line.kind === 'fold' ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed rendering of one diff
            <span key={i} className="diff-fold">
              {`… ${line.count} unchanged line${line.count === 1 ? '' : 's'}\n`}
            </span>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed rendering of one diff
            <span key={i} className={`diff-${line.kind}`}>
              {`${SIGN[line.kind]} ${line.text}\n`}
            </span>
          ),
        )}
      </pre>
    </figure>
  );
}
