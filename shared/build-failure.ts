import type { BuildFailureCause } from './deploy-ports.ts';

/**
 * Lines that say what went wrong, as the usual build tools print them: npm (`npm ERR!`, npm 10's
 * `npm error`), git (`fatal:`), compilers (`error TS2322:`, `error[E0308]:`), Node (`TypeError: …`),
 * buildah/podman (`Error: …`, `level=error`), and plain `error:` / `ERROR:`.
 */
const ERROR_LINE =
  /(?:^|\s)(?:npm (?:ERR!|error)\s|ERR!\s|fatal:|error(?:\[\w+\]|\s+TS\d+)?:|ERROR\b|level=error|\w*Error:|FAILED\b)/i;
/** npm's closing lines repeat what failed in general terms; the line before them says why. */
const NPM_BOILERPLATE =
  /^npm (?:ERR!|error) (?:code \w+|errno|path |command |A complete log|Lifecycle script|workspace|location|\s*$|This is probably not a problem|Failed at the)/i;

/** The first line of a command's output that reads as an error, trimmed; undefined when none does. */
export function firstErrorLine(lines: Iterable<string>): string | undefined {
  let fallback: string | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || !ERROR_LINE.test(line)) continue;
    if (NPM_BOILERPLATE.test(line)) {
      fallback ??= line;
      continue;
    }
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  }
  return fallback;
}

/** git's words for a repository it can't find or can't reach (clone, fetch). */
const SOURCE_UNREACHABLE =
  /repository .*not found|not found.*repository|does not appear to be a git repository|Could not resolve host|Connection refused|Connection timed out|Failed to connect|unable to access|returned error: 40[134]|Authentication failed|could not read Username|The requested URL returned error|does not exist/i;
/** git's words for a branch that is not there. */
const NO_BRANCH = /Remote branch .* not found|couldn't find remote ref/i;
/** The platform's own trouble: the user's code is not at fault. */
const PLATFORM_TROUBLE =
  /no space left on device|ENOSPC|disk quota exceeded|is not installed on this machine|command not found: buildah|registry.*(?:connection refused|unavailable|timeout)|connection refused.*registry|dial tcp .*connect: connection refused|cannot allocate memory|ENOMEM/i;

/**
 * What kind of failure a command's output shows, so the hint fits the cause: the repository (its
 * URL or access), its branch, the platform (not the user's code), or else the user's own command.
 */
export function classifyFailure(text: string): BuildFailureCause {
  if (PLATFORM_TROUBLE.test(text)) return 'platform';
  if (NO_BRANCH.test(text)) return 'branch';
  if (SOURCE_UNREACHABLE.test(text)) return 'source';
  return 'command';
}
