import type { Release } from '@shared/deploy.ts';
import type { OutOfSync } from '@shared/deploy-ports.ts';
import { CopyButton } from '../../components/copy-button.tsx';
import { shortSha } from './format.ts';
import { safeHref } from './links.ts';

/** The live URL: the address itself, a real link that opens it in a new tab, and copy. */
export function LiveUrl({
  url,
  of,
}: {
  url: string /** Whose URL, for the link's name when a page shows several. */;
  of?: string;
}) {
  const href = safeHref(url);
  return (
    <span className="row live-url">
      <code className="code">{url}</code>
      {href && (
        <a className="btn btn-sm" href={href} target="_blank" rel="noopener noreferrer">
          Open live URL <span aria-hidden="true">↗</span>{' '}
          <span className="visually-hidden">{of ? `of ${of} ` : ''}(opens in a new tab)</span>
        </a>
      )}
      <CopyButton text={url} label={of ? `Copy URL of ${of}` : 'Copy URL'} />
    </span>
  );
}

/** The GitOps commit of a release: a link to it (and its diff) when the API knows where it lives. */
export function GitopsCommit({ release }: { release: Release }) {
  const commitHref = safeHref(release.gitopsCommitUrl);
  const diffHref = safeHref(release.gitopsDiffUrl);
  const sha = <code title={release.gitopsCommit}>{shortSha(release.gitopsCommit)}</code>;
  return (
    <span className="row">
      {commitHref ? (
        <a href={commitHref} target="_blank" rel="noopener noreferrer">
          {sha} <span className="visually-hidden">GitOps commit (opens in a new tab)</span>
        </a>
      ) : (
        sha
      )}
      {diffHref && (
        <a href={diffHref} target="_blank" rel="noopener noreferrer">
          diff <span className="visually-hidden">of release {release.number} (opens in a new tab)</span>
        </a>
      )}
    </span>
  );
}

/** Git names another release than the live one: the cause, and what puts it right. */
export function OutOfSyncNotice({ outOfSync }: { outOfSync: OutOfSync }) {
  return (
    <div className="callout callout-error" role="alert">
      <strong>Out of sync.</strong> {outOfSync.cause} Deploy again or roll back to put it right.
    </div>
  );
}
