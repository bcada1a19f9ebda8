import type { BuildService, GitOpsRepository, SyncService } from '../../shared/deploy-ports.ts';
import { createArgoCdSyncService } from '../adapters/argocd/argocd-sync-service.ts';
import { createGitHubGitOpsRepository, githubLinks } from '../adapters/github/github-gitops-repository.ts';
import { createJenkinsBuildService } from '../adapters/jenkins/jenkins-build-service.ts';
import { ConfigError, choice, optionalSetting, setting } from './config.ts';
import { platformSecret } from './platform-secret.ts';

/**
 * The production adapters of the delivery ports, from settings (endpoints) and platform secrets
 * (credentials; Secrets Manager in AWS, `.wharf/config.json` or the environment locally). Settings
 * are checked when the port is first used (a missing one names itself); the credential is read once,
 * on the first call, and reused for the life of the process.
 */
function deferred<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error) => {
      made = undefined; // a failed secret read is retried by the next call
      throw error;
    });
    return made;
  };
}

export function jenkinsBuildService(env: NodeJS.ProcessEnv): BuildService {
  const url = setting(env, 'WHARF_JENKINS_URL', 'the Jenkins root URL, e.g. https://ci.example.com');
  const user = setting(env, 'WHARF_JENKINS_USER', 'the Jenkins user whose API token Wharf uses');
  const job = setting(env, 'WHARF_JENKINS_JOB', 'the pipeline job running infra/jenkins/Jenkinsfile');
  const service = deferred(async () =>
    createJenkinsBuildService({
      url,
      user,
      job,
      apiToken: await platformSecret(env, 'jenkins', `the API token of Jenkins user ${user}`),
    }),
  );
  return {
    start: async (request) => (await service()).start(request),
    poll: async (buildId, offset) => (await service()).poll(buildId, offset),
    cancel: async (buildId) => (await service()).cancel(buildId),
  };
}

export function githubGitOpsRepository(env: NodeJS.ProcessEnv): GitOpsRepository {
  const repository = setting(env, 'WHARF_GITHUB_REPOSITORY', 'the GitOps repository as owner/name');
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0)
    throw new ConfigError(`Setting WHARF_GITHUB_REPOSITORY must be owner/name, not "${repository}"`);
  const branch = optionalSetting(env, 'WHARF_GITHUB_BRANCH') ?? 'main';
  const appId = optionalSetting(env, 'WHARF_GITHUB_APP_ID');
  const installationId = optionalSetting(env, 'WHARF_GITHUB_INSTALLATION_ID');
  if (Boolean(appId) !== Boolean(installationId))
    throw new ConfigError(
      'Settings WHARF_GITHUB_APP_ID and WHARF_GITHUB_INSTALLATION_ID go together (GitHub App auth); leave both out to use a token',
    );
  const baseUrl = optionalSetting(env, 'WHARF_GITHUB_API_URL');
  const webUrl = optionalSetting(env, 'WHARF_GITHUB_WEB_URL');
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
  return {
    commit: async (change) => (await adapter()).commit(change),
    readFile: async (commit, path) => (await adapter()).readFile(commit, path),
    head: async () => (await adapter()).head(),
    links: (commit) => githubLinks({ owner, repo, webUrl }, commit),
  };
}

export function argoCdSyncService(env: NodeJS.ProcessEnv): SyncService {
  const url = setting(env, 'WHARF_ARGOCD_URL', 'the Argo CD API server, e.g. https://argocd.example.com');
  const refresh = choice(env, 'WHARF_ARGOCD_REFRESH', ['normal', 'hard'] as const, 'normal');
  const service = deferred(async () =>
    createArgoCdSyncService({
      url,
      refresh,
      token: await platformSecret(env, 'argocd', 'an Argo CD API token that may get and sync apps'),
    }),
  );
  return {
    requestSync: async (app, revision) => (await service()).requestSync(app, revision),
    status: async (app) => (await service()).status(app),
  };
}
