import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { invalid } from '../../../shared/errors.ts';

export interface TableRef {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

export function makeDocumentClient(options: { endpoint?: string | undefined; region?: string | undefined }) {
  const client = new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export type ConditionalWrite = PutCommand | UpdateCommand | DeleteCommand | TransactWriteCommand;

/**
 * Sends a write guarded by a condition: a Put, Update or Delete with a ConditionExpression, or a
 * transaction. Resolves true when it was written. When a condition failed, throws the error that
 * `onConditionFailed` returns for the failed items (a transaction's item indexes, `[0]` for a single
 * write), or resolves false when it returns none. Any other error — a transaction cancelled for
 * another reason (a conflicting transaction, throttling) too — is rethrown as it came.
 */
export async function conditionalWrite(
  table: TableRef,
  command: ConditionalWrite,
  onConditionFailed?: (failedItems: number[]) => Error | undefined,
): Promise<boolean> {
  try {
    await sendWrite(table.doc, command);
    return true;
  } catch (error) {
    const failed = isConditionFailure(error) ? [0] : failedConditions(error);
    if (!failed?.length) throw error;
    const mapped = onConditionFailed?.(failed);
    if (mapped) throw mapped;
    return false;
  }
}

// `send` infers one command type; a union is sent through one branch per type.
function sendWrite(doc: DynamoDBDocumentClient, command: ConditionalWrite): Promise<unknown> {
  if (command instanceof PutCommand) return doc.send(command);
  if (command instanceof UpdateCommand) return doc.send(command);
  if (command instanceof DeleteCommand) return doc.send(command);
  return doc.send(command);
}

/** Which items of a cancelled transaction failed their condition (by index). */
function failedConditions(error: unknown): number[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).flatMap((r, i) =>
    r.Code === 'ConditionalCheckFailed' ? [i] : [],
  );
}

const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Cursors are opaque to clients: base64url JSON of DynamoDB's LastEvaluatedKey. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(
  cursor: string | undefined,
  expectedPk: string,
  skPrefix = '',
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    // Only a key this query could have returned: DynamoDB refuses any other start key with an error.
    if (
      key &&
      typeof key === 'object' &&
      key.pk === expectedPk &&
      typeof key.sk === 'string' &&
      key.sk.length > skPrefix.length &&
      key.sk.startsWith(skPrefix) &&
      Buffer.byteLength(key.sk) <= 1024 &&
      Object.keys(key).length === 2
    ) {
      return key;
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw invalid(
    'request.invalid_cursor',
    'cursor is not one this list returned; start again without it',
    'cursor',
  );
}

/**
 * One page of `pk = :pk AND begins_with(sk, :prefix)`, with an opaque cursor that only resumes a
 * query on the same partition.
 */
export async function queryPage<T>(
  table: TableRef,
  query: { pk: string; skPrefix: string; newestFirst?: boolean; limit: number; cursor?: string | undefined },
  parse: (item: Record<string, unknown>) => T,
): Promise<{ items: T[]; nextCursor?: string | undefined }> {
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
      ScanIndexForward: !query.newestFirst,
      Limit: query.limit,
      ExclusiveStartKey: decodeCursor(query.cursor, query.pk, query.skPrefix),
    }),
  );
  const last = result.LastEvaluatedKey;
  return {
    items: (result.Items ?? []).map(parse),
    nextCursor: encodeCursor(last && { pk: last.pk, sk: last.sk }),
  };
}
