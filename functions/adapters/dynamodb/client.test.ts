import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { conflict } from '../../../shared/errors.ts';
import { randomIds } from '../system/ids.ts';
import { conditionalWrite, makeDocumentClient, type TableRef } from './client.ts';

let table: TableRef;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  table = {
    doc: makeDocumentClient({ endpoint: inject('wharf').dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
});

const key = () => ({ pk: `TEST#${randomIds.token()}`, sk: 'TEST' });
const putNew = (item: Record<string, unknown>) =>
  new PutCommand({ TableName: table.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' });

describe('conditionalWrite on DynamoDB Local', () => {
  it('resolves true when written and false when the condition fails, with no mapping', async () => {
    const k = key();
    expect(await conditionalWrite(table, putNew({ ...k, n: 1 }))).toBe(true);
    expect(await conditionalWrite(table, putNew({ ...k, n: 2 }))).toBe(false);
  });

  it('throws the domain error the mapping returns for a failed condition', async () => {
    const k = key();
    await conditionalWrite(table, putNew(k));
    await expect(
      conditionalWrite(table, putNew(k), (failed) => conflict('test.exists', `failed ${failed.join(',')}`)),
    ).rejects.toMatchObject({
      name: 'DomainError',
      kind: 'conflict',
      code: 'test.exists',
      message: 'failed 0',
    });
  });

  it('hands a transaction mapping the indexes of the items whose condition failed', async () => {
    const [a, b] = [key(), key()];
    await conditionalWrite(table, putNew(b));
    const transaction = new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table.tableName, Item: a, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: table.tableName, Item: b, ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
    });
    let seen: number[] = [];
    const written = await conditionalWrite(table, transaction, (failed) => {
      seen = failed;
      return undefined;
    });
    expect(written).toBe(false);
    expect(seen).toEqual([1]);
  });

  it('applies an update only when its condition holds', async () => {
    const k = key();
    await conditionalWrite(table, putNew({ ...k, n: 1 }));
    const bump = (expected: number) =>
      new UpdateCommand({
        TableName: table.tableName,
        Key: k,
        UpdateExpression: 'SET n = :next',
        ConditionExpression: 'n = :expected',
        ExpressionAttributeValues: { ':expected': expected, ':next': expected + 1 },
      });
    expect(await conditionalWrite(table, bump(1))).toBe(true);
    expect(await conditionalWrite(table, bump(1))).toBe(false);
    expect(await conditionalWrite(table, bump(2))).toBe(true);
  });

  it('rethrows errors that are not a failed condition, untouched', async () => {
    const invalid = new PutCommand({
      TableName: table.tableName,
      Item: key(),
      ConditionExpression: 'attribute_not_exists(', // not an expression: a ValidationException
    });
    const onConditionFailed = () => conflict('test.never', 'not a condition failure');
    await expect(conditionalWrite(table, invalid, onConditionFailed)).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('rethrows a transaction cancelled for another reason (a conflicting transaction)', async () => {
    const cancelled = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    const failing: TableRef = {
      tableName: 'wharf',
      doc: { send: () => Promise.reject(cancelled) } as unknown as TableRef['doc'],
    };
    const transaction = new TransactWriteCommand({ TransactItems: [] });
    await expect(
      conditionalWrite(failing, transaction, () => conflict('test.never', 'not a condition failure')),
    ).rejects.toBe(cancelled);
  });
});
