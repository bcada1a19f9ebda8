/**
 * Maven and Gradle fetch plugins, dependencies (and, through a wrapper, Gradle itself) from the
 * internet on a first build. Their own errors bury that under stack traces ("Could not transfer
 * artifact … Temporary failure in name resolution"), so a failed build whose output shows a
 * download that could not happen gets one line that says so, and what to do.
 */

const DOWNLOAD_FAILED = [
  /Could not transfer artifact/i,
  /Could not resolve dependencies for project/i,
  /Non-resolvable (parent POM|import POM)/i,
  /Plugin .* could not be resolved/i,
  /Cannot access .* in offline mode/i,
  /Could not resolve all (files|dependencies|artifacts) for configuration/i,
  /Could not (GET|HEAD) '?https?:/i,
  /Plugin \[id: '.*'.*\] was not found in any of the following sources/i,
  /UnknownHostException/,
  /Temporary failure in name resolution/i,
  /Network is unreachable/i,
  /Connect(ion)? to .* (failed|refused|timed out)/i,
];

/** The line to log when `lines` (a failed Maven or Gradle build's output) show a failed download. */
export function jvmDownloadHint(tool: 'maven' | 'gradle', lines: readonly string[]): string | undefined {
  if (!lines.some((line) => DOWNLOAD_FAILED.some((pattern) => pattern.test(line)))) return undefined;
  const name = tool === 'maven' ? 'Maven' : 'Gradle';
  const cache =
    tool === 'maven' ? 'the local Maven repository (~/.m2)' : 'the Gradle cache (GRADLE_USER_HOME)';
  return (
    `[wharf] The ${name} build had to download plugins or dependencies${tool === 'gradle' ? ' (or Gradle itself, through gradlew)' : ''} ` +
    `and this machine can't reach the repository: it is offline or a proxy is missing. Give the build ` +
    `network access (set HTTPS_PROXY if you use a proxy), or build once with access so ${cache} is ` +
    'filled, or build the service with the JDK alone (javac and jar in a Dockerfile) so nothing is downloaded.'
  );
}
