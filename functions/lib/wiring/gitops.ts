import { join } from 'node:path';
import type { BatchingGitOpsRepository, GitOpsRepository } from '../../../shared/deploy-ports.ts';
import type { BootstrapTarget } from '../../../shared/manifests/index.ts';
import { GitOpsCommitQueue } from '../../adapters/dynamodb/gitops-commit-queue.ts';
import { createGitHubGitOpsRepository, githubLinks } from '../../adapters/github/github-gitops-repository.ts';
import { ConfigError, choice, optionalSetting, setting } from '../config.ts';
import { platformSecret } from '../platform-secret.ts';
import { traceUpstream } from '../tracer.ts';
import { localPlatform } from './local.ts';
import { deferred, port, settings } from './ports.ts';
import { table } from './table.ts';

function gitopsKind() {
  const { env, mode } = settings();
  return choice(env, 'WHARF_GITOPS', ['local', 'github'] as const, mode === 'local' ? 'local' : undefined);
}

/** WHARF_GITHUB_REPOSITORY (owner/name) and WHARF_GITHUB_BRANCH. */
function githubRepository(env: NodeJS.ProcessEnv) {
  const repository = setting(env, 'WHARF_GITHUB_REPOSITORY', 'the GitOps repository as owner/name');
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0)
    throw new ConfigError(`Setting WHARF_GITHUB_REPOSITORY must be owner/name, not "${repository}"`);
  const branch = optionalSetting(env, 'WHARF_GITHUB_BRANCH') ?? 'main';
  return { repository, owner, repo, branch, webUrl: optionalSetting(env, 'WHARF_GITHUB_WEB_URL') };
}

let target: BootstrapTarget | undefined;
/**
 * Where Argo CD reads the GitOps repository (URL, branch, its namespace: WHARF_ARGOCD_NAMESPACE,
 * `argocd` by default), as the bootstrap files name it. Goes with gitopsRepository(): no port of its own.
 */
export function gitopsBootstrapTarget(): BootstrapTarget {
  if (target) return target;
  const { env } = settings();
  const argoNamespace = optionalSetting(env, 'WHARF_ARGOCD_NAMESPACE') ?? 'argocd';
  if (gitopsKind() === 'local') {
    // As the local stack's bootstrap commit names it (infra/local/stack.ts).
    target = {
      repoUrl: `file://${join(localPlatform().dataDir, 'gitops.git')}`,
      revision: 'main',
      argoNamespace,
    };
  } else {
    const { owner, repo, branch, webUrl } = githubRepository(env);
    const web = (webUrl ?? 'https://github.com').replace(/\/+$/, '');
    target = { repoUrl: `${web}/${owner}/${repo}.git`, revision: branch, argoNamespace };
  }
  return target;
}

/** WHARF_GITOPS=github: the GitOps repository on GitHub (Git Data API); `local`: a bare repository. */
export const gitopsRepository = port('gitopsRepository', (): GitOpsRepository => {
  const { env } = settings();
  if (gitopsKind() === 'local') return localPlatform().gitops;

  const { repository, owner, repo, branch, webUrl } = githubRepository(env);
  const appId = optionalSetting(env, 'WHARF_GITHUB_APP_ID');
  const installationId = optionalSetting(env, 'WHARF_GITHUB_INSTALLATION_ID');
  if (Boolean(appId) !== Boolean(installationId))
    throw new ConfigError(
      'Settings WHARF_GITHUB_APP_ID and WHARF_GITHUB_INSTALLATION_ID go together (GitHub App auth); leave both out to use a token',
    );
  const baseUrl = optionalSetting(env, 'WHARF_GITHUB_API_URL');
  const writeInterval = optionalSetting(env, 'WHARF_GITHUB_WRITE_INTERVAL_MS');
  if (writeInterval !== undefined && !/^\d+$/.test(writeInterval))
    throw new ConfigError(
      `Setting WHARF_GITHUB_WRITE_INTERVAL_MS must be milliseconds, not "${writeInterval}"`,
    );
  const common = {
    owner,
    repo,
    branch,
    ...(baseUrl ? { baseUrl } : {}),
    ...(webUrl ? { webUrl } : {}),
    // GitHub asks for a second between content-creating requests; a GitHub Enterprise may allow less.
    ...(writeInterval !== undefined ? { writeBudget: { minIntervalMs: Number(writeInterval) } } : {}),
  };
  const adapter = deferred(async () => {
    const credential = await platformSecret(
      env,
      'github',
      appId ? `the private key (PEM) of GitHub App ${appId}` : `a token with contents:write on ${repository}`,
    );
    return createGitHubGitOpsRepository({
      ...common,
      auth:
        appId && installationId
          ? { kind: 'app', appId, privateKey: credential, installationId: Number(installationId) }
          : { kind: 'token', token: credential },
    });
  });
  const github: BatchingGitOpsRepository = {
    commit: (change) => traceUpstream('GitHub.commit', async () => (await adapter()).commit(change)),
    commitMany: (changes) =>
      traceUpstream('GitHub.commitMany', async () => (await adapter()).commitMany(changes)),
    readFile: (commit, path) =>
      traceUpstream('GitHub.readFile', async () => (await adapter()).readFile(commit, path)),
    head: () => traceUpstream('GitHub.head', async () => (await adapter()).head()),
    links: (commit) => githubLinks({ owner, repo, webUrl }, commit),
  };
  // Functions run one invocation at a time, so releases arriving together meet in the table: the
  // commit queue writes them as one commit (see GitOpsCommitQueue).
  const host = baseUrl ? new URL(baseUrl).host : 'github.com';
  return new GitOpsCommitQueue({
    table: table(),
    repository: `${host}/${owner}/${repo}@${branch}`,
    inner: github,
  });
});
