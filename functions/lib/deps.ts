import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FileSecretStore } from '../../infra/local/secrets/file-secret-store.ts';
import { makeDocumentClient, type TableRef } from '../adapters/dynamodb/client.ts';
import { DynamoProjects } from '../adapters/dynamodb/projects.ts';
import { DynamoUsers } from '../adapters/dynamodb/users.ts';
import { DynamoWorkspaces } from '../adapters/dynamodb/workspaces.ts';
import { SecretsManagerStore } from '../adapters/secrets/secrets-manager-store.ts';
import { randomIds, systemClock } from '../adapters/system/ids.ts';
import { type FunctionConfig, loadConfig } from './config.ts';

/**
 * The adapters every handler may use: the table's users, workspaces and projects, the secret store.
 * Deploy plumbing lives in deploy-deps.ts and the build/GitOps/sync services in delivery-deps.ts, so
 * a handler's bundle carries only the clients it imports. Created once per module (cold start).
 */
export function makeDeps(config: FunctionConfig) {
  const table: TableRef = {
    doc: makeDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region }),
    tableName: config.tableName,
  };
  return {
    mode: config.mode,
    env: config.env,
    region: config.region,
    table,
    users: new DynamoUsers(table),
    workspaces: new DynamoWorkspaces(table),
    projects: new DynamoProjects(table),
    secrets: config.secretsFile
      ? new FileSecretStore(config.secretsFile)
      : new SecretsManagerStore(new SecretsManagerClient(config.region ? { region: config.region } : {})),
    ids: randomIds,
    clock: systemClock,
  };
}

export type Deps = ReturnType<typeof makeDeps>;

let cached: Deps | undefined;
/** The adapters of this process, created on first use from the environment. */
export function deps(): Deps {
  cached ??= makeDeps(loadConfig());
  return cached;
}

/** A value made on first use, then kept. */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}
