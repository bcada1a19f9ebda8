import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { invalid } from '../../../shared/errors.ts';
import { traced } from '../../lib/tracer.ts';

export interface TableRef {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

export function makeDocumentClient(options: { endpoint?: string | undefined; region?: string | undefined }) {
  const client = traced(
    new DynamoDBClient({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
    }),
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Which items of a cancelled transaction failed their condition (by index). */
export function failedConditions(error: unknown): number[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).flatMap((r, i) =>
    r.Code === 'ConditionalCheckFailed' ? [i] : [],
  );
}

export const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Cursors are opaque to clients: base64url JSON of DynamoDB's LastEvaluatedKey. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(
  cursor: string | undefined,
  expectedPk: string,
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      key &&
      typeof key === 'object' &&
      key.pk === expectedPk &&
      typeof key.sk === 'string' &&
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
  fromItem: (item: Record<string, unknown>) => T,
): Promise<{ items: T[]; nextCursor?: string | undefined }> {
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
      ScanIndexForward: !query.newestFirst,
      Limit: query.limit,
      ExclusiveStartKey: decodeCursor(query.cursor, query.pk),
    }),
  );
  const last = result.LastEvaluatedKey;
  return {
    items: (result.Items ?? []).map(fromItem),
    nextCursor: encodeCursor(last && { pk: last.pk, sk: last.sk }),
  };
}
