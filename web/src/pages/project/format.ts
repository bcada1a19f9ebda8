/** Small display helpers shared by the project and run pages. */
import type { CommitInfo, Release, Run } from '@shared/deploy.ts';

/** `45s`, `3m 07s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export const shortSha = (sha: string | undefined) => (sha ? sha.slice(0, 12) : undefined);

/** The tag (or digest) part of an image reference, which is what differs between releases. */
export const imageName = (reference: string) => reference.split('/').at(-1) ?? reference;

/** `6c6059f 'Fix header'`: a commit as people recognise it (the SHA alone when that is all we know). */
export function commitLabel(commit: CommitInfo | undefined): string | undefined {
  if (!commit) return undefined;
  const sha = commit.sha.slice(0, 7);
  return commit.message ? `${sha} '${commit.message}'` : sha;
}

/** Who started a run, as people know them (a push names its pusher without the `github:` prefix). */
export const requester = (run: Pick<Run, 'requestedBy'>) => run.requestedBy.replace(/^github:/, '');

/** Who a run is by: the commit's author, else whoever started it (a push names its pusher). */
export function runAuthor(run: Pick<Run, 'commit' | 'requestedBy' | 'kind'>): string {
  // A rollback's or promotion's commit was written by someone else: the run is by whoever asked.
  const author = run.kind === 'deploy' ? run.commit?.author : undefined;
  return author ?? requester(run);
}

/** How long an ended run took, from its creation to its end. */
export function runDuration(run: Pick<Run, 'createdAt' | 'finishedAt'>): string | undefined {
  if (!run.finishedAt) return undefined;
  return formatDuration(Date.parse(run.finishedAt) - Date.parse(run.createdAt));
}

/**
 * What a run did, without internal ids: "Deploy #4 · 6c6059f 'Fix header'", "Rollback to #1 (6c6059f
 * 'Fix header')", "Promote #3 from staging". A deploy's number is the release it took, once it took one.
 */
export function runHeadline(run: Run): string {
  if (run.kind === 'rollback') {
    const target = run.target;
    if (!target) return 'Rollback';
    const commit = commitLabel(target.commit);
    return `Rollback to #${target.releaseNumber}${commit ? ` (${commit})` : ''}`;
  }
  if (run.kind === 'promote') {
    const from = run.target
      ? { number: run.target.releaseNumber, environment: run.target.environment }
      : run.promotedFrom;
    return from ? `Promote #${from.number} from ${from.environment}` : 'Promotion';
  }
  const number = run.pendingRelease?.number;
  const commit = commitLabel(run.commit ?? (run.source?.commit ? { sha: run.source.commit } : undefined));
  return [`Deploy${number ? ` #${number}` : ''}`, commit].filter(Boolean).join(' · ');
}

/** The full one-line title: headline, author and, once it ended, duration. */
export function runTitle(run: Run): string {
  return [runHeadline(run), runAuthor(run), runDuration(run)].filter(Boolean).join(' · ');
}

/**
 * A release's title: "#4 · 6c6059f 'Fix header'", "#5 · Rollback to #1 (6c6059f 'Fix header')",
 * "#3 · Promote #2 from staging". `numberOf` finds a rolled-back-to release's number by id, when listed.
 */
export function releaseTitle(release: Release, numberOf: (releaseId: string) => number | undefined): string {
  const commit = commitLabel(
    release.commit ?? (release.sourceCommit ? { sha: release.sourceCommit } : undefined),
  );
  if (release.kind === 'rollback') {
    const to = release.rollbackOf ? numberOf(release.rollbackOf) : undefined;
    return `#${release.number} · Rollback${to ? ` to #${to}` : ''}${commit ? ` (${commit})` : ''}`;
  }
  if (release.promotedFrom) {
    const { number, environment } = release.promotedFrom;
    return `#${release.number} · Promote #${number} from ${environment}${commit ? ` (${commit})` : ''}`;
  }
  return [`#${release.number}`, commit].filter(Boolean).join(' · ');
}
