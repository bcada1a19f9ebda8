import type { Release } from '@shared/deploy.ts';
import { CopyButton } from '../../components/copy-button.tsx';
import { TimeAgo } from '../../components/time-ago.tsx';
import { shortSha } from './format.ts';
import { safeHref } from './links.ts';

/** The live URL: the address itself, a real link that opens it in a new tab, and copy. */
export function LiveUrl({ url }: { url: string }) {
  const href = safeHref(url);
  return (
    <span className="row live-url">
      <code className="code">{url}</code>
      {href && (
        <a className="btn btn-sm" href={href} target="_blank" rel="noopener noreferrer">
          Open live URL <span aria-hidden="true">↗</span>{' '}
          <span className="visually-hidden">(opens in a new tab)</span>
        </a>
      )}
      <CopyButton text={url} label="Copy URL" />
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

/** What the live release of an environment is. */
export function CurrentRelease({ release }: { release: Release }) {
  return (
    <dl className="dl current-release">
      <dt>Release</dt>
      <dd>
        #{release.number}
        {release.kind === 'rollback' && <span className="muted"> (a rollback)</span>}
      </dd>
      <dt>Live URL</dt>
      <dd>
        {release.liveUrl ? <LiveUrl url={release.liveUrl} /> : <span className="muted">No public URL</span>}
      </dd>
      <dt>Image</dt>
      <dd>
        <code className="code" title={release.image.digest}>
          {release.image.reference}
        </code>
      </dd>
      {release.sourceCommit && (
        <>
          <dt>Source commit</dt>
          <dd>
            <code title={release.sourceCommit}>{shortSha(release.sourceCommit)}</code>
          </dd>
        </>
      )}
      <dt>GitOps commit</dt>
      <dd>
        <GitopsCommit release={release} />
      </dd>
      <dt>Released</dt>
      <dd>
        <TimeAgo date={release.createdAt} /> by {release.createdBy}
      </dd>
    </dl>
  );
}
