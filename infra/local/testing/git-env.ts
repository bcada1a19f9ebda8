/**
 * The environment for a git command run by a test or the bench: no user or system configuration (the
 * machine's settings must not change what is committed), a HOME of its own, and a fixed author.
 */
export function isolatedGitEnv(
  home: string,
  author: { name: string; email: string } = { name: 'Alice', email: 'alice@example.com' },
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
}
