import type { CommitInfo } from './deploy.ts';

/** Longest commit subject and author name kept: a title line, not a changelog. */
export const COMMIT_MESSAGE_MAX = 200;
export const COMMIT_AUTHOR_MAX = 100;

/** The text as one clean line: control characters (a newline could forge a log line) become spaces. */
function oneLine(text: string | undefined, max: number): string | undefined {
  const line = text
    ?.split(/\r?\n/)[0]
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    ?.replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim();
  if (!line) return undefined;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A commit as the history shows it, from what a push or a checkout said: the message's first line
 * only, and both texts bounded, so a pushed 10 kB message never reaches a run title.
 */
export function commitInfo(sha: string, message?: string | null, author?: string | null): CommitInfo {
  const subject = oneLine(message ?? undefined, COMMIT_MESSAGE_MAX);
  const name = oneLine(author ?? undefined, COMMIT_AUTHOR_MAX);
  return { sha, ...(subject ? { message: subject } : {}), ...(name ? { author: name } : {}) };
}

/** What a release or run knows of its commit: the full record, else the bare SHA, else nothing. */
export function knownCommit(commit: CommitInfo | undefined, sha: string | undefined): CommitInfo | undefined {
  if (commit && (!sha || commit.sha === sha)) return commit;
  return sha ? { sha } : commit;
}
