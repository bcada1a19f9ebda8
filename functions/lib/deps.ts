import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { makeDocumentClient } from '../adapters/dynamodb/client.ts';
import { DynamoProjects } from '../adapters/dynamodb/projects.ts';
import { DynamoUsers } from '../adapters/dynamodb/users.ts';
import { DynamoWorkspaces } from '../adapters/dynamodb/workspaces.ts';
import { FileSecretStore } from '../adapters/secrets/file-secret-store.ts';
import { SecretsManagerStore } from '../adapters/secrets/secrets-manager-store.ts';
import { randomIds, systemClock } from '../adapters/system/ids.ts';
import { type FunctionConfig, loadConfig } from './config.ts';

/** Builds every adapter from the configuration. Called once per module (cold start), never per request. */
export function makeDeps(config: FunctionConfig) {
  const table = {
    doc: makeDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region }),
    tableName: config.tableName,
  };
  return {
    mode: config.mode,
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
