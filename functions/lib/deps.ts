import { join } from 'node:path';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { BuildService, GitOpsRepository, SyncService } from '../../shared/deploy-ports.ts';
import type { PlatformConfig } from '../../shared/manifests/types.ts';
import { makeRunJournal } from '../../shared/use-cases/run-journal.ts';
import type { WorkflowLimits } from '../../shared/use-cases/workflow-tasks.ts';
import { LocalBuildRunner } from '../adapters/build/local-runner.ts';
import { makeDocumentClient } from '../adapters/dynamodb/client.ts';
import { DynamoConnections, DynamoWebhookDeliveries } from '../adapters/dynamodb/connections.ts';
import { DynamoProjects } from '../adapters/dynamodb/projects.ts';
import { DynamoRunLogs } from '../adapters/dynamodb/run-logs.ts';
import { DynamoRuns } from '../adapters/dynamodb/runs.ts';
import { DynamoUsers } from '../adapters/dynamodb/users.ts';
import { DynamoWorkspaces } from '../adapters/dynamodb/workspaces.ts';
import { LocalGitRepository } from '../adapters/gitops/local-git-repository.ts';
import { localReconcilerFor } from '../adapters/local-services.ts';
import { FileSecretStore } from '../adapters/secrets/file-secret-store.ts';
import { SecretsManagerStore } from '../adapters/secrets/secrets-manager-store.ts';
import { StepFunctionsWorkflow } from '../adapters/stepfunctions/workflow-engine.ts';
import { randomIds, systemClock } from '../adapters/system/ids.ts';
import { ApiGatewayMessenger } from '../adapters/websocket/messenger.ts';
import { WebSocketRunEvents } from '../adapters/websocket/run-events.ts';
import {
  ConfigError,
  choice,
  type FunctionConfig,
  loadConfig,
  optionalSetting,
  positiveInt,
  setting,
} from './config.ts';

/** Adapters shared by every handler in a process (the local stack runs all of them in one). */
const singletons = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!singletons.has(key)) singletons.set(key, make());
  return singletons.get(key) as T;
}

/**
 * Builds every adapter from the configuration, each on first use: a handler only pays for (and only
 * needs settings for) what it uses. Called once per module (cold start), never per request.
 */
export function makeDeps(config: FunctionConfig) {
  const { env } = config;
  const table = {
    doc: makeDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region }),
    tableName: config.tableName,
  };
  const region = config.region ? { region: config.region } : {};
  const localDataDir = () => setting(env, 'WHARF_DATA_DIR', 'the local stack data folder (set by npm start)');
  const lazy = <T>(make: () => T) => {
    let value: T | undefined;
    return () => {
      value ??= make();
      return value;
    };
  };

  const runs = lazy(() => new DynamoRuns(table));
  const logs = lazy(() => new DynamoRunLogs(table));
  const connections = lazy(() => new DynamoConnections(table));
  const messenger = lazy(
    () =>
      new ApiGatewayMessenger(
        new ApiGatewayManagementApiClient({
          ...region,
          endpoint: setting(
            env,
            'WHARF_WS_ENDPOINT',
            'the WebSocket API management endpoint (https://<api>.execute-api.<region>.amazonaws.com/<stage>)',
          ),
        }),
      ),
  );
  const events = lazy(() => new WebSocketRunEvents(connections(), messenger()));
  const workflow = lazy(
    () =>
      new StepFunctionsWorkflow(
        new SFNClient({
          ...region,
          ...(optionalSetting(env, 'SFN_ENDPOINT') ? { endpoint: optionalSetting(env, 'SFN_ENDPOINT') } : {}),
        }),
        setting(env, 'WHARF_STATE_MACHINE_ARN', 'the DeployProject state machine ARN'),
      ),
  );

  const build = lazy((): BuildService => {
    const kind = choice(
      env,
      'WHARF_BUILD_SERVICE',
      ['local', 'jenkins'] as const,
      config.mode === 'local' ? 'local' : undefined,
    );
    if (kind === 'jenkins')
      throw new ConfigError('Setting WHARF_BUILD_SERVICE=jenkins: the Jenkins adapter is not available yet');
    const dir = localDataDir();
    return once(
      `build:${dir}`,
      () =>
        new LocalBuildRunner({
          workDir: join(dir, 'builds'),
          artifactsDir: join(dir, 'artifacts'),
          registry: optionalSetting(env, 'WHARF_LOCAL_REGISTRY'),
        }),
    );
  });
  const gitops = lazy((): GitOpsRepository => {
    const kind = choice(
      env,
      'WHARF_GITOPS',
      ['local', 'github'] as const,
      config.mode === 'local' ? 'local' : undefined,
    );
    if (kind === 'github')
      throw new ConfigError('Setting WHARF_GITOPS=github: the GitHub adapter is not available yet');
    const dir = localDataDir();
    return once(`gitops:${dir}`, () => new LocalGitRepository({ dir: join(dir, 'gitops.git') }));
  });
  const sync = lazy((): SyncService => {
    const kind = choice(
      env,
      'WHARF_SYNC',
      ['local', 'argocd'] as const,
      config.mode === 'local' ? 'local' : undefined,
    );
    if (kind === 'argocd')
      throw new ConfigError('Setting WHARF_SYNC=argocd: the Argo CD adapter is not available yet');
    return localReconcilerFor.get(localDataDir());
  });

  const platform = lazy((): PlatformConfig & { imageRegistry: string } => {
    const liveUrlTemplate = optionalSetting(env, 'WHARF_LIVE_URL_TEMPLATE');
    return {
      domain: setting(
        env,
        'WHARF_PLATFORM_DOMAIN',
        'the domain apps are served under, e.g. apps.example.com',
      ),
      imageRegistry: setting(
        env,
        'WHARF_IMAGE_REGISTRY',
        'where images are pushed, e.g. harbor.example.com/wharf',
      ),
      clusterIssuer: optionalSetting(env, 'WHARF_CLUSTER_ISSUER') ?? 'letsencrypt',
      secretStore: optionalSetting(env, 'WHARF_SECRET_STORE') ?? 'wharf-secrets',
      ...(liveUrlTemplate ? { liveUrl: (host: string) => liveUrlTemplate.replace('{host}', host) } : {}),
    };
  });
  const limits = lazy(
    (): WorkflowLimits => ({
      turnWaits: positiveInt(env, 'WHARF_LIMIT_TURN_WAITS', 1800),
      buildPolls: positiveInt(env, 'WHARF_LIMIT_BUILD_POLLS', 720),
      syncChecks: positiveInt(env, 'WHARF_LIMIT_SYNC_CHECKS', 120),
    }),
  );

  const deps = {
    mode: config.mode,
    users: new DynamoUsers(table),
    workspaces: new DynamoWorkspaces(table),
    projects: new DynamoProjects(table),
    secrets: config.secretsFile
      ? new FileSecretStore(config.secretsFile)
      : new SecretsManagerStore(new SecretsManagerClient(region)),
    ids: randomIds,
    clock: systemClock,
    get runs() {
      return runs();
    },
    get logs() {
      return logs();
    },
    get connections() {
      return connections();
    },
    get deliveries() {
      return once('deliveries', () => new DynamoWebhookDeliveries(table));
    },
    get messenger() {
      return messenger();
    },
    get events() {
      return events();
    },
    get workflow() {
      return workflow();
    },
    get journal() {
      return makeRunJournal({ runs: runs(), logs: logs(), events: events(), clock: systemClock });
    },
    get build() {
      return build();
    },
    get gitops() {
      return gitops();
    },
    get sync() {
      return sync();
    },
    get platform() {
      return platform();
    },
    get limits() {
      return limits();
    },
    env,
  };
  return deps;
}

export type Deps = ReturnType<typeof makeDeps>;

/**
 * The GitHub webhook secret: from Secrets Manager in AWS (WHARF_GITHUB_WEBHOOK_SECRET_ARN), or the
 * local stack's own (WHARF_GITHUB_WEBHOOK_SECRET). Read once, at cold start.
 */
export async function webhookSecret(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const local = optionalSetting(env, 'WHARF_GITHUB_WEBHOOK_SECRET');
  if (local) return local;
  const arn = setting(
    env,
    'WHARF_GITHUB_WEBHOOK_SECRET_ARN',
    'the Secrets Manager secret holding the GitHub webhook secret',
  );
  const out = await new SecretsManagerClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}).send(
    new GetSecretValueCommand({ SecretId: arn }),
  );
  if (!out.SecretString)
    throw new ConfigError(`The secret ${arn} (WHARF_GITHUB_WEBHOOK_SECRET_ARN) has no string value`);
  return out.SecretString;
}

let cached: Deps | undefined;
/** The adapters of this process, created on first use from the environment. */
export function deps(): Deps {
  cached ??= makeDeps(loadConfig());
  return cached;
}
