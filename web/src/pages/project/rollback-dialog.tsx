import type { Release } from '@shared/deploy.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { TextAreaField } from '../../components/form/fields.tsx';
import { type DiffLine, diffLines, nameChanges } from './line-diff.ts';

/** Unchanged stretches longer than this are folded (the context around a change stays). */
const CONTEXT = 3;

/**
 * Confirms a rollback, showing what it changes against the live release: the image, the values.yaml
 * diff and the env var names that appear or disappear; an optional reason goes into the release, the
 * run and the GitOps commit message.
 */
export function RollbackDialog({
  current,
  target,
  busy,
  error,
  reason,
  onReasonChange,
  onConfirm,
  onCancel,
}: {
  current: Release | undefined;
  target: Release;
  busy: boolean;
  error: string | undefined;
  reason: string;
  onReasonChange(reason: string): void;
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
        {current ? ` Release ${current.number} stops serving.` : ''} Auto-deploy of {target.environment}{' '}
        pauses until you resume it, so the next push does not undo the rollback.
      </p>
      <RollbackPreview current={current} target={target} />
      <TextAreaField
        path="reason"
        label="Reason (optional)"
        value={reason}
        onChange={onReasonChange}
        hint="Recorded in the release, the run and the GitOps commit message."
      />
    </ConfirmDialog>
  );
}

export function RollbackPreview({ current, target }: { current: Release | undefined; target: Release }) {
  const env = nameChanges(current?.envNames ?? [], target.envNames);
  return (
    <div className="rollback-preview stack">
      <ImageChange from={current?.image.reference} to={target.image.reference} />
      <ValuesChange from={current?.values ?? ''} to={target.values} />
      <EnvNameChanges added={env.added} removed={env.removed} />
    </div>
  );
}

/** The image a change deploys: `from → to`, or unchanged. */
export function ImageChange({ from, to }: { from: string | undefined; to: string }) {
  return (
    <section>
      <h3>Image</h3>
      {from === to ? (
        <p>
          <code>{to}</code> <span className="muted">(unchanged)</span>
        </p>
      ) : (
        <p className="rollback-image">
          {from && (
            <>
              <code>{from}</code>
              <span aria-hidden="true"> → </span>
              <span className="visually-hidden">becomes</span>{' '}
            </>
          )}
          <code>{to}</code>
        </p>
      )}
    </section>
  );
}

/** The values.yaml line diff, unchanged stretches folded. */
export function ValuesChange({ from, to }: { from: string; to: string }) {
  const diff = diffLines(from, to);
  return (
    <section>
      <h3>Configuration (values.yaml)</h3>
      {diff.some((l) => l.kind !== 'same') ? (
        <ValuesDiff diff={diff} />
      ) : (
        <p className="muted">No configuration changes.</p>
      )}
    </section>
  );
}

/** Environment variable names that appear or disappear (values are never shown). */
export function EnvNameChanges({ added, removed }: { added: readonly string[]; removed: readonly string[] }) {
  return (
    <section>
      <h3>Environment variables</h3>
      {added.length === 0 && removed.length === 0 ? (
        <p className="muted">No variables added or removed.</p>
      ) : (
        <ul className="rollback-env">
          {added.map((name) => (
            <li key={`+${name}`} className="diff-added">
              Added: <code>{name}</code>
            </li>
          ))}
          {removed.map((name) => (
            <li key={`-${name}`} className="diff-removed">
              Removed: <code>{name}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
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
      {/* Focusable: a long diff scrolls, and keyboard users must be able to scroll it too. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region needs keyboard access (WCAG 2.1.1) */}
      <pre className="values-diff" tabIndex={0}>
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
