import type {
  ConnectionRepository,
  DeployTurnRepository,
  ReleaseRepository,
  RunLogStore,
  RunRepository,
  WebhookDeliveries,
} from '../../../shared/deploy-ports.ts';
import type {
  CredentialAuditRepository,
  ProjectRepository,
  UserRepository,
  WorkspaceRepository,
} from '../../../shared/ports.ts';
import { makeDocumentClient, type TableRef } from '../../adapters/dynamodb/client.ts';
import { DynamoConnections, DynamoWebhookDeliveries } from '../../adapters/dynamodb/connections.ts';
import { DynamoCredentialReads } from '../../adapters/dynamodb/credential-reads.ts';
import { DynamoProjects } from '../../adapters/dynamodb/projects.ts';
import { DynamoRunLogs } from '../../adapters/dynamodb/run-logs.ts';
import { DynamoDeployTurns, DynamoReleases, DynamoRuns } from '../../adapters/dynamodb/runs.ts';
import { DynamoUsers } from '../../adapters/dynamodb/users.ts';
import { DynamoWorkspaces } from '../../adapters/dynamodb/workspaces.ts';
import { setting } from '../config.ts';
import { port, settings } from './ports.ts';

/** The one table (DynamoDB in AWS, DynamoDB Local on the local stack) and a port per entity. */

let tableRef: TableRef | undefined;
export function table(): TableRef {
  if (!tableRef) {
    const { dynamodbEndpoint: endpoint, region, env } = settings();
    tableRef = {
      doc: makeDocumentClient({ endpoint, region }),
      tableName: setting(env, 'WHARF_TABLE_NAME', 'the DynamoDB table name'),
    };
  }
  return tableRef;
}

export const users = port('users', (): UserRepository => new DynamoUsers(table()));
export const workspaces = port('workspaces', (): WorkspaceRepository => new DynamoWorkspaces(table()));
export const projects = port('projects', (): ProjectRepository => new DynamoProjects(table()));
export const runs = port('runs', (): RunRepository => new DynamoRuns(table()));
export const deployTurns = port('deployTurns', (): DeployTurnRepository => new DynamoDeployTurns(table()));
export const releases = port('releases', (): ReleaseRepository => new DynamoReleases(table()));
export const runLogs = port('runLogs', (): RunLogStore => new DynamoRunLogs(table()));
export const connections = port('connections', (): ConnectionRepository => new DynamoConnections(table()));
export const webhookDeliveries = port(
  'webhookDeliveries',
  (): WebhookDeliveries => new DynamoWebhookDeliveries(table()),
);
export const credentialReads = port(
  'credentialReads',
  (): CredentialAuditRepository => new DynamoCredentialReads(table()),
);
