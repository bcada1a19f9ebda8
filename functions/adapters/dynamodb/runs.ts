import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type Release,
  RUN_KINDS,
  RUN_STATUSES,
  type Run,
  STEP_NAMES,
  TERMINAL_STATUSES,
} from '../../../shared/deploy.ts';
import type {
  DeployTurnRepository,
  EnvironmentHold,
  EnvironmentState,
  OutOfSync,
  ReleaseRepository,
  RunFilter,
  RunRepository,
} from '../../../shared/deploy-ports.ts';
import { conflict } from '../../../shared/errors.ts';
import { ENVIRONMENTS, type Environment } from '../../../shared/naming.ts';
import { conditionalWrite, decodeCursor, encodeCursor, queryPage, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes } from './keys.ts';
import { GSI1 } from './table.ts';

// The three entities DynamoRuns keeps, each with its stored shape and item: runs, the environment's
// deploy turn, releases.

const environmentName = z.enum(ENVIRONMENTS);
const imageRefSchema = z.object({ reference: z.string(), digest: z.string() });
/** Images by service name. (A catch-all object, not z.record: the same check, 4 kB less in every bundle.) */
const imagesSchema = z.object({}).catchall(imageRefSchema);
const promotionSourceSchema = z.object({
  releaseId: z.string(),
  environment: environmentName,
  number: z.number(),
});

// Runs.

const commitSchema = z.object({
  sha: z.string(),
  message: z.string().optional(),
  author: z.string().optional(),
});

const runSchema = storedAs<Run>()(
  z.object({
    id: z.string(),
    workspaceId: z.string(),
    projectId: z.string(),
    projectName: z.string(),
    environment: environmentName,
    kind: z.enum(RUN_KINDS),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(['user', 'webhook']),
    requestedBy: z.string(),
    source: z
      .object({ repositoryUrl: z.string(), branch: z.string(), commit: z.string().optional() })
      .optional(),
    targetReleaseId: z.string().optional(),
    promotedFrom: promotionSourceSchema.optional(),
    reason: z.string().optional(),
    approval: z
      .object({
        state: z.enum(['waiting', 'approved', 'rejected', 'expired']),
        requestedAt: z.string(),
        expiresAt: z.string(),
        decidedBy: z.string().optional(),
        decidedAt: z.string().optional(),
        reason: z.string().optional(),
      })
      .optional(),
    releaseId: z.string().optional(),
    executionArn: z.string().optional(),
    buildId: z.string().optional(),
    image: imageRefSchema.optional(),
    images: imagesSchema.optional(),
    pendingRelease: z
      .object({
        id: z.string(),
        number: z.number(),
        gitopsPath: z.string(),
        appName: z.string(),
        namespace: z.string(),
        values: z.string(),
        envNames: z.array(z.string()),
        liveUrl: z.string().optional(),
        rollbackOf: z.string().optional(),
        promotedFrom: promotionSourceSchema.optional(),
        reason: z.string().optional(),
      })
      .optional(),
    sourceCommit: z.string().optional(),
    commit: commitSchema.optional(),
    target: z
      .object({
        releaseNumber: z.number(),
        environment: z.enum(ENVIRONMENTS),
        commit: commitSchema.optional(),
      })
      .optional(),
    cancellation: z.object({ by: z.string(), at: z.string(), reason: z.string().optional() }).optional(),
    gitopsCommit: z.string().optional(),
    steps: z.array(
      z.object({
        name: z.enum(STEP_NAMES),
        status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
        startedAt: z.string(),
        endedAt: z.string().optional(),
        detail: z.string().optional(),
      }),
    ),
    failureReason: z.string().optional(),
    hint: z.string().optional(),
    hintField: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
  }),
);

const runItem = (run: Run) => ({ ...keys.run(run.projectId, run.id), entity: 'run', ...run });

/** Marks a run as not ended yet (see `keys.unfinishedRun`). */
const unfinishedRunSchema = z.object({ projectId: z.string(), runId: z.string() });
const unfinishedRunItem = (run: Run) => ({
  ...keys.unfinishedRun(run.id),
  entity: 'unfinished_run',
  projectId: run.projectId,
  runId: run.id,
});

// The environment's deploy turn (and release counter).

/** Every write sets `releaseCount` (if_not_exists); an absent item reads as no release yet. */
const environmentStateSchema = storedAs<EnvironmentState>()(
  z.object({
    projectId: z.string(),
    environment: environmentName,
    activeRunId: z.string().optional(),
    queuedRunId: z.string().optional(),
    releaseCount: z.number().default(0),
    currentReleaseId: z.string().optional(),
    outOfSync: z.object({ cause: z.string(), runId: z.string(), at: z.string() }).optional(),
    hold: z
      .object({
        by: z.string(),
        at: z.string(),
        runId: z.string(),
        releaseId: z.string().optional(),
        reason: z.string().optional(),
      })
      .optional(),
  }),
);

// Releases.

const releaseSchema = storedAs<Release>()(
  z.object({
    id: z.string(),
    number: z.number(),
    workspaceId: z.string(),
    projectId: z.string(),
    environment: environmentName,
    runId: z.string(),
    kind: z.enum(RUN_KINDS),
    rollbackOf: z.string().optional(),
    promotedFrom: promotionSourceSchema.optional(),
    reason: z.string().optional(),
    image: imageRefSchema,
    images: imagesSchema.optional(),
    sourceCommit: z.string().optional(),
    commit: commitSchema.optional(),
    values: z.string(),
    envNames: z.array(z.string()),
    gitopsCommit: z.string(),
    gitopsCommitUrl: z.string().optional(),
    gitopsDiffUrl: z.string().optional(),
    gitopsPath: z.string(),
    appName: z.string(),
    liveUrl: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
  }),
);

const releaseItem = (release: Release) => ({
  ...keys.release(release.projectId, release.environment, release.number, release.id),
  entity: 'release',
  ...release,
});

/** How many queries one filtered runs page may send, and how many runs each reads at least. */
const RUN_LIST_READS = 10;
const FILTERED_READ = 200;

/** The filter's fields as a FilterExpression (all through name placeholders: STATUS is reserved). */
function runFilterExpression(filter: RunFilter) {
  const fields = (['status', 'environment', 'trigger'] as const).filter((f) => filter[f] !== undefined);
  if (fields.length === 0) return undefined;
  return {
    expression: fields.map((f) => `#${f} = :${f}`).join(' AND '),
    names: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
    values: Object.fromEntries(fields.map((f) => [`:${f}`, filter[f]])),
  };
}

/** Runs, the per-environment deploy turn, and releases. */
/** Runs: one item per run, with a gsi1 entry to find it by id alone. */
export class DynamoRuns implements RunRepository {
  constructor(private readonly table: TableRef) {}

  /** Writes the run and, unless it is created ended, its unfinished-run marker, in one transaction. */
  async create(run: Run) {
    const TableName = this.table.tableName;
    await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: runItem(run), ConditionExpression: 'attribute_not_exists(pk)' } },
          ...(TERMINAL_STATUSES.has(run.status)
            ? []
            : [{ Put: { TableName, Item: unfinishedRunItem(run) } }]),
        ],
      }),
      (failed) => (failed.includes(0) ? conflict('run.exists', `Run ${run.id} exists already.`) : undefined),
    );
  }

  async get(projectId: string, runId: string) {
    const { pk, sk } = keys.run(projectId, runId);
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return Item ? parseItem(runSchema, Item) : undefined;
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
    return Items?.[0] ? parseItem(runSchema, Items[0]) : undefined;
  }

  /**
   * A page of the project's runs, newest first, filtered in the query (FilterExpression). It reads one
   * more matching run than it returns, so the cursor is set only when one follows, and it points at
   * the last run returned (not at where DynamoDB stopped reading). A sparse filter reads on through
   * the partition, up to `RUN_LIST_READS` queries per request; then it hands back what it found with a
   * cursor where it stopped.
   */
  async list(
    projectId: string,
    page: { limit: number; cursor?: string | undefined },
    filter: RunFilter = {},
  ) {
    const pk = prefixes.projectPartition(projectId);
    const where = runFilterExpression(filter);
    const found: Array<Record<string, unknown>> = [];
    let start = decodeCursor(page.cursor, pk, prefixes.run);
    for (let reads = 1; ; reads++) {
      const wanted = page.limit + 1 - found.length;
      const result = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ...(where
            ? {
                FilterExpression: where.expression,
                ExpressionAttributeNames: where.names,
              }
            : {}),
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefixes.run, ...where?.values },
          ScanIndexForward: false,
          // Limit counts items read before the filter: read more than one page's worth when filtering.
          Limit: where ? Math.max(wanted, FILTERED_READ) : wanted,
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
      if (found.length > page.limit) {
        const shown = found.slice(0, page.limit);
        const last = shown.at(-1);
        return {
          items: shown.map((i) => parseItem(runSchema, i)),
          nextCursor: encodeCursor(last && { pk: last.pk, sk: last.sk }),
        };
      }
      if (!start || reads >= RUN_LIST_READS) {
        return {
          items: found.map((i) => parseItem(runSchema, i)),
          nextCursor: encodeCursor(start && { pk: start.pk, sk: start.sk }),
        };
      }
    }
  }

  replace(next: Run, expected: Run) {
    const put = {
      TableName: this.table.tableName,
      Item: runItem(next),
      ConditionExpression: 'updatedAt = :expected AND #status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':expected': expected.updatedAt, ':status': expected.status },
    };
    if (!TERMINAL_STATUSES.has(next.status) || TERMINAL_STATUSES.has(expected.status)) {
      return conditionalWrite(this.table, new PutCommand(put));
    }
    // The run ends: it leaves the unfinished runs in the same write.
    return conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          { Put: put },
          { Delete: { TableName: this.table.tableName, Key: keys.unfinishedRun(next.id) } },
        ],
      }),
    );
  }

  /** The runs not ended yet, oldest id first (all pages: for the start-up sweep, not a request path). */
  async unfinished(): Promise<Array<{ projectId: string; runId: string }>> {
    const found: Array<{ projectId: string; runId: string }> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': prefixes.unfinishedRuns },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) found.push(parseItem(unfinishedRunSchema, item));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }
}

/** The environment item's deploy turn (active and queued run) and its out-of-sync flag. */
export class DynamoDeployTurns implements DeployTurnRepository {
  constructor(private readonly table: TableRef) {}

  async getEnvironment(projectId: string, environment: Environment): Promise<EnvironmentState> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.environment(projectId, environment),
        ConsistentRead: true,
      }),
    );
    // No item yet: no turn taken and no release, which the defaults say.
    return parseItem(environmentStateSchema, { projectId, environment, ...Item });
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

  /**
   * Adds one to `releaseCount` and marks `numberedRunId`, unless this run was numbered last: then it
   * reads the number it got (a retried task). Only the turn holder calls it, so nobody interleaves.
   */
  async allocateReleaseNumber(projectId: string, environment: Environment, runId: string) {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.environment(projectId, environment),
          UpdateExpression:
            'SET releaseCount = if_not_exists(releaseCount, :zero) + :one, numberedRunId = :run, projectId = :project, environment = :env, entity = :entity',
          ConditionExpression: 'attribute_not_exists(numberedRunId) OR numberedRunId <> :run',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':run': runId,
            ':project': projectId,
            ':env': environment,
            ':entity': 'environment',
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.releaseCount);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
      return (await this.getEnvironment(projectId, environment)).releaseCount;
    }
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

  async markOutOfSync(projectId: string, environment: Environment, outOfSync: OutOfSync) {
    await this.setField(projectId, environment, 'outOfSync', outOfSync);
  }

  async setHold(projectId: string, environment: Environment, hold: EnvironmentHold) {
    await this.setField(projectId, environment, 'hold', hold);
  }

  async clearHold(projectId: string, environment: Environment) {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.environment(projectId, environment),
        // HOLD is a DynamoDB reserved word: named through an attribute name placeholder.
        UpdateExpression: 'REMOVE #hold',
        ExpressionAttributeNames: { '#hold': 'hold' },
      }),
    );
  }

  /** Sets one attribute of the environment item, creating the item as every write does. */
  private async setField(
    projectId: string,
    environment: Environment,
    name: 'outOfSync' | 'hold',
    value: unknown,
  ) {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.environment(projectId, environment),
        UpdateExpression:
          'SET #field = :value, projectId = :project, environment = :env, entity = :entity, releaseCount = if_not_exists(releaseCount, :zero)',
        ExpressionAttributeNames: { '#field': name },
        ExpressionAttributeValues: {
          ':value': value,
          ':project': projectId,
          ':env': environment,
          ':entity': 'environment',
          ':zero': 0,
        },
      }),
    );
  }
}

/** Releases, recorded together with the environment item's counter and current release. */
export class DynamoReleases implements ReleaseRepository {
  constructor(private readonly table: TableRef) {}

  async recordRelease(release: Release): Promise<Release> {
    const TableName = this.table.tableName;
    const recorded = await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: releaseItem(release),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName,
              Key: keys.environment(release.projectId, release.environment),
              UpdateExpression:
                'SET releaseCount = :n, currentReleaseId = :id, projectId = :project, environment = :env, entity = :entity REMOVE outOfSync',
              // The number was allocated (the counter is at it) or, for a run numbered before numbers
              // were allocated, is the next one.
              ConditionExpression:
                'attribute_not_exists(releaseCount) OR releaseCount = :n OR releaseCount = :previous',
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
    return Items?.[0] ? parseItem(releaseSchema, Items[0]) : undefined;
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
      (i) => parseItem(releaseSchema, i),
    );
  }
}
