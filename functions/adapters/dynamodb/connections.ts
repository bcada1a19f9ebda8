import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type {
  Connection,
  ConnectionRepository,
  Watcher,
  WebhookDeliveries,
} from '../../../shared/deploy-ports.ts';
import { conditionalWrite, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes } from './keys.ts';

/** The connection item also keeps `watches`, which the Connection leaves out. */
const connectionSchema = storedAs<Connection>()(
  z.object({ connectionId: z.string(), userId: z.string(), connectedAt: z.string() }),
);
/** The partitions of the watch items a connection made, to delete them with it. */
const connectionWatchesSchema = z.object({ watches: z.set(z.string()).optional() });
/** A watch item, as the watchers query projects it (items written before watches kept the user have none). */
const watcherSchema = z.object({ connectionId: z.string(), userId: z.string().optional() });

/** API Gateway closes WebSocket connections after 2 hours; items expire a little after that. */
const CONNECTION_TTL_SECONDS = 3 * 3600;
const expiresAt = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

type Target = { runId: string } | { workspaceId: string };
const watchKey = (target: Target, connectionId: string) =>
  'runId' in target
    ? keys.runWatch(target.runId, connectionId)
    : keys.workspaceWatch(target.workspaceId, connectionId);

export class DynamoConnections implements ConnectionRepository {
  constructor(private readonly table: TableRef) {}

  async save(connection: Connection) {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...keys.connection(connection.connectionId),
          entity: 'connection',
          ...connection,
          expiresAt: expiresAt(CONNECTION_TTL_SECONDS),
        },
      }),
    );
  }

  async get(connectionId: string) {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.connection(connectionId) }),
    );
    return Item ? parseItem(connectionSchema, Item) : undefined;
  }

  async remove(connectionId: string) {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({
        TableName: this.table.tableName,
        Key: keys.connection(connectionId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    const watches =
      (Attributes && parseItem(connectionWatchesSchema, Attributes).watches) ?? new Set<string>();
    await Promise.all(
      [...watches].map((pk) =>
        this.table.doc.send(
          new DeleteCommand({ TableName: this.table.tableName, Key: keys.watch(pk, connectionId) }),
        ),
      ),
    );
  }

  async watch({ connectionId, userId }: Watcher, target: Target) {
    const key = watchKey(target, connectionId);
    // The connection remembers its watches (for cleanup on disconnect); it must still exist.
    const connected = await conditionalWrite(
      this.table,
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.connection(connectionId),
        UpdateExpression: 'ADD watches :w',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':w': new Set([key.pk]) },
      }),
    );
    if (!connected) return;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...key,
          entity: 'watch',
          connectionId,
          userId,
          expiresAt: expiresAt(CONNECTION_TTL_SECONDS),
        },
      }),
    );
  }

  async watchers(target: Target) {
    const pk =
      'runId' in target ? prefixes.runWatchers(target.runId) : prefixes.workspaceWatchers(target.workspaceId);
    const found: Array<z.infer<typeof watcherSchema>> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'connectionId, userId',
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(parseItem(watcherSchema, item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    // A watch written before watches kept their user: the connection says whose it is.
    const watchers = await Promise.all(
      found.map(async ({ connectionId, userId }) => {
        const owner = userId ?? (await this.get(connectionId))?.userId;
        return owner ? [{ connectionId, userId: owner }] : [];
      }),
    );
    return watchers.flat();
  }
}

export class DynamoWebhookDeliveries implements WebhookDeliveries {
  constructor(private readonly table: TableRef) {}

  claim(deliveryId: string) {
    return conditionalWrite(
      this.table,
      new PutCommand({
        TableName: this.table.tableName,
        Item: { ...keys.delivery(deliveryId), entity: 'delivery', expiresAt: expiresAt(24 * 3600) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
}
