import { join } from 'node:path';
import { makeDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoProjects } from '../../functions/adapters/dynamodb/projects.ts';
import { ConfigError, optionalSetting, positiveInt, setting } from '../../functions/lib/config.ts';
import { FolderBackupStore } from './backups/folder-backup-store.ts';
import { LocalBuildRunner, type RunnerContainers } from './build/local-runner.ts';
import { LocalReconciler } from './cluster/local-reconciler.ts';
import { BaseImages } from './containers/base-images.ts';
import { containerVariables } from './containers/environment.ts';
import { LocalGitRepository } from './gitops/local-git-repository.ts';
import { FileSecretStore } from './secrets/file-secret-store.ts';

/**
 * The local platform's stand-ins for Jenkins, the GitOps repository, Argo CD and Secrets Manager,
 * made from the same settings the handlers read (`npm start` sets them). The wiring
 * (functions/lib/wiring/) loads this module only in local mode, so Lambda bundles never carry it; the
 * stack asks for the same instances to start the reconciler and route app hosts to it.
 */
export interface LocalPlatform {
  dataDir: string;
  build: LocalBuildRunner;
  gitops: LocalGitRepository;
  sync: LocalReconciler;
  secrets: FileSecretStore;
  /** Production databases' dumps, under `<data dir>/backups` (the folder the backup Jobs mount). */
  backups: FolderBackupStore;
  /** Container mode only: the stack's container environment, its registry and the base image resolver. */
  containers?: LocalContainers | undefined;
}

/** What the builder and the reconciler share in container mode. */
export interface LocalContainers extends RunnerContainers {
  /** The local registry's `host:port` (the stand-in for Harbor). */
  registry: string;
  /** Variables every buildah / podman / skopeo command of the stack runs with. */
  env: Record<string, string>;
  /** Docker Hub name → an image this machine can pull (seeds a local base image at first need). */
  resolveImage(reference: string, log?: (line: string) => void): Promise<string>;
}

/**
 * Container mode when the stack chose it (WHARF_LOCAL_RUNTIME=containers, set with the registry it
 * started and after writing the container settings into the data folder).
 */
function localContainers(env: NodeJS.ProcessEnv, dataDir: string): LocalContainers | undefined {
  if (optionalSetting(env, 'WHARF_LOCAL_RUNTIME') !== 'containers') return undefined;
  const registry = setting(env, 'WHARF_LOCAL_REGISTRY', 'the local registry host:port (set by npm start)');
  const variables = containerVariables(dataDir);
  const bases = new BaseImages({ dataDir, registry, env: variables });
  return { env: variables, registry, resolveImage: bases.resolveBaseImage };
}

const platforms = new Map<string, LocalPlatform>();

function makeLocalPlatform(env: NodeJS.ProcessEnv, dataDir: string): LocalPlatform {
  const liveUrlTemplate = setting(
    env,
    'WHARF_LIVE_URL_TEMPLATE',
    'how app hosts are reached, e.g. http://{host}:8080',
  );
  const secrets = new FileSecretStore(
    optionalSetting(env, 'WHARF_SECRETS_FILE') ?? join(dataDir, 'secrets.json'),
  );
  // The reconciler routes a host only to the project that holds it: it reads the claims the API writes.
  const claims = new DynamoProjects({
    doc: makeDocumentClient({
      endpoint: optionalSetting(env, 'DYNAMODB_ENDPOINT'),
      region: optionalSetting(env, 'AWS_REGION'),
    }),
    tableName: setting(env, 'WHARF_TABLE_NAME', 'the DynamoDB table name'),
  });
  const containers = localContainers(env, dataDir);
  const sync = new LocalReconciler({
    // Container mode: the committed objects run in podman, pulled from the local registry.
    containers,
    repoDir: join(dataDir, 'gitops.git'),
    artifactsDir: join(dataDir, 'artifacts'),
    secrets,
    liveUrl: (host) => liveUrlTemplate.replace('{host}', host),
    logDir: join(dataDir, 'apps'),
    // A platform killed with SIGKILL leaves its apps running; the next start stops them from here.
    processDir: join(dataDir, 'processes'),
    readinessTimeoutMs: positiveInt(env, 'WHARF_LOCAL_READINESS_TIMEOUT_MS', 20_000),
    hostOwner: (host) => claims.hostOwner(host),
  });
  return {
    dataDir,
    secrets,
    backups: new FolderBackupStore(join(dataDir, 'backups')),
    containers,
    build: new LocalBuildRunner({
      workDir: join(dataDir, 'builds'),
      artifactsDir: join(dataDir, 'artifacts'),
      registry: optionalSetting(env, 'WHARF_LOCAL_REGISTRY'),
      containers,
    }),
    // As Argo CD's ApplicationSet drops the Application of a folder a commit removed, the reconciler
    // stops an app whose folder is gone (a deleted project) without waiting for a sync request.
    gitops: new LocalGitRepository({
      dir: join(dataDir, 'gitops.git'),
      onCommit: (commit) => {
        sync.refresh(commit).catch(() => {
          // The next commit or restart retries; a commit must not fail because pruning could not start.
        });
      },
    }),
    sync,
  };
}

/** The local platform of the data folder the settings name: made once per process and folder. */
export function localPlatform(env: NodeJS.ProcessEnv = process.env): LocalPlatform {
  const dataDir = setting(env, 'WHARF_DATA_DIR', 'the local stack data folder (set by npm start)');
  if (optionalSetting(env, 'WHARF_MODE') !== 'local')
    throw new ConfigError('The local platform runs only with WHARF_MODE=local');
  let platform = platforms.get(dataDir);
  if (!platform) {
    platform = makeLocalPlatform(env, dataDir);
    platforms.set(dataDir, platform);
  }
  return platform;
}

/** Stops the folder's reconciler and forgets its platform (the stack's shutdown). */
export async function closeLocalPlatform(dataDir: string) {
  const platform = platforms.get(dataDir);
  platforms.delete(dataDir);
  await platform?.sync.stop();
}
