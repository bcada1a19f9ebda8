import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Release, Run } from '../../../shared/deploy.ts';
import type { EnvironmentState, RunRepository } from '../../../shared/deploy-ports.ts';
import { conflict } from '../../../shared/errors.ts';
import type { Environment } from '../../../shared/naming.ts';
import { conditionalWrite, queryPage, type TableRef } from './client.ts';
import { fromItem, keys, prefixes } from './keys.ts';
import { GSI1 } from './table.ts';

const runItem = (run: Run) => ({ ...keys.run(run.projectId, run.id), entity: 'run', ...run });

/** Runs, the per-environment deploy turn, and releases. */
export class DynamoRuns implements RunRepository {
  constructor(private readonly table: TableRef) {}

  async create(run: Run) {
    await conditionalWrite(
      this.table,
      new PutCommand({
        TableName: this.table.tableName,
        Item: runItem(run),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
      () => conflict('run.exists', `Run ${run.id} exists already.`),
    );
  }

  async get(projectId: string, runId: string) {
    const { pk, sk } = keys.run(projectId, runId);
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return Item ? fromItem<Run>(Item) : undefined;
  }

  async find(runId: string) {
    const { Items } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.runIndex(runId).gsi1pk },
        Limit: 1,
      }),
    );
    return Items?.[0] ? fromItem<Run>(Items[0]) : undefined;
  }

  list(projectId: string, page: { limit: number; cursor?: string | undefined }) {
    return queryPage(
      this.table,
      { pk: prefixes.projectPartition(projectId), skPrefix: prefixes.run, newestFirst: true, ...page },
      (i) => fromItem<Run>(i),
    );
  }

  replace(next: Run, expected: Run) {
    return conditionalWrite(
      this.table,
      new PutCommand({
        TableName: this.table.tableName,
        Item: runItem(next),
        ConditionExpression: 'updatedAt = :expected AND #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expected': expected.updatedAt, ':status': expected.status },
      }),
    );
  }

  async getEnvironment(projectId: string, environment: Environment): Promise<EnvironmentState> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.environment(projectId, environment),
        ConsistentRead: true,
      }),
    );
    const state = Item ? fromItem<EnvironmentState>(Item) : undefined;
    return { projectId, environment, releaseCount: 0, ...state };
  }

  private conditional(input: ConstructorParameters<typeof UpdateCommand>[0]) {
    return conditionalWrite(this.table, new UpdateCommand(input));
  }

  takeTurn(projectId: string, environment: Environment, runId: string, expectedActive: string | undefined) {
    return this.conditional({
      TableName: this.table.tableName,
      Key: keys.environment(projectId, environment),
      UpdateExpression:
        'SET activeRunId = :run, projectId = :project, environment = :env, entity = :entity, releaseCount = if_not_exists(releaseCount, :zero) REMOVE queuedRunId',
      ConditionExpression: expectedActive
        ? 'activeRunId = :expected AND (attribute_not_exists(queuedRunId) OR queuedRunId <= :run)'
        : 'attribute_not_exists(activeRunId) AND (attribute_not_exists(queuedRunId) OR queuedRunId <= :run)',
      ExpressionAttributeValues: {
        ':run': runId,
        ':project': projectId,
        ':env': environment,
        ':entity': 'environment',
        ':zero': 0,
        ...(expectedActive ? { ':expected': expectedActive } : {}),
      },
    });
  }

  queue(projectId: string, environment: Environment, runId: string, expectedQueued: string | undefined) {
    return this.conditional({
      TableName: this.table.tableName,
      Key: keys.environment(projectId, environment),
      UpdateExpression:
        'SET queuedRunId = :run, projectId = :project, environment = :env, entity = :entity, releaseCount = if_not_exists(releaseCount, :zero)',
      ConditionExpression: expectedQueued ? 'queuedRunId = :expected' : 'attribute_not_exists(queuedRunId)',
      ExpressionAttributeValues: {
        ':run': runId,
        ':project': projectId,
        ':env': environment,
        ':entity': 'environment',
        ':zero': 0,
        ...(expectedQueued ? { ':expected': expectedQueued } : {}),
      },
    });
  }

  async releaseTurn(projectId: string, environment: Environment, runId: string) {
    await this.conditional({
      TableName: this.table.tableName,
      Key: keys.environment(projectId, environment),
      UpdateExpression: 'REMOVE activeRunId',
      ConditionExpression: 'activeRunId = :run',
      ExpressionAttributeValues: { ':run': runId },
    });
  }

  async recordRelease(release: Release): Promise<Release> {
    const TableName = this.table.tableName;
    const recorded = await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: {
                ...keys.release(release.projectId, release.environment, release.number, release.id),
                entity: 'release',
                ...release,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName,
              Key: keys.environment(release.projectId, release.environment),
              UpdateExpression:
                'SET releaseCount = :n, currentReleaseId = :id, projectId = :project, environment = :env, entity = :entity',
              ConditionExpression: 'attribute_not_exists(releaseCount) OR releaseCount = :previous',
              ExpressionAttributeValues: {
                ':n': release.number,
                ':previous': release.number - 1,
                ':id': release.id,
                ':project': release.projectId,
                ':env': release.environment,
                ':entity': 'environment',
              },
            },
          },
        ],
      }),
    );
    if (recorded) return release;
    const existing = await this.getRelease(release.projectId, release.id);
    if (existing) return existing; // a retry of the same task: already recorded
    throw conflict(
      'release.number_taken',
      `Release number ${release.number} is taken; the deploy turn was not held.`,
    );
  }

  async getRelease(projectId: string, releaseId: string) {
    const { Items } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :project',
        ExpressionAttributeValues: {
          ':pk': keys.releaseIndex(releaseId, projectId).gsi1pk,
          ':project': keys.releaseIndex(releaseId, projectId).gsi1sk,
        },
      }),
    );
    return Items?.[0] ? fromItem<Release>(Items[0]) : undefined;
  }

  listReleases(
    projectId: string,
    environment: Environment,
    page: { limit: number; cursor?: string | undefined },
  ) {
    return queryPage(
      this.table,
      {
        pk: prefixes.projectPartition(projectId),
        skPrefix: prefixes.releases(environment),
        newestFirst: true,
        ...page,
      },
      (i) => fromItem<Release>(i),
    );
  }
}
