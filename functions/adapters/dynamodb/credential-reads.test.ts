import { beforeAll, describe, expect, inject, it } from 'vitest';
import { randomIds } from '../system/ids.ts';
import { makeDocumentClient } from './client.ts';
import { DynamoCredentialReads } from './credential-reads.ts';

let reads: DynamoCredentialReads;

beforeAll(() => {
  const { dynamodbEndpoint } = inject('wharf');
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  reads = new DynamoCredentialReads({
    doc: makeDocumentClient({ endpoint: dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  });
});

describe('DynamoCredentialReads on DynamoDB Local', () => {
  it("lists a project's reads newest first, pages them, and keeps two reads of the same instant", async () => {
    const ws = `w${randomIds.token()}`;
    const project = `p${randomIds.token()}`;
    const other = `p${randomIds.token()}`;
    const read = (at: string, userId = 'alice', projectId = project) =>
      ({ workspaceId: ws, projectId, environment: 'production', userId, at }) as const;
    await reads.record(read('2026-11-22T10:00:00.000Z'));
    await reads.record(read('2026-11-22T10:05:00.000Z'));
    await reads.record(read('2026-11-22T10:05:00.000Z', 'carol'));
    await reads.record(read('2026-11-22T11:00:00.000Z', 'alice', other));
    const first = await reads.list(ws, project, { limit: 2 });
    expect(first.items.map((r) => r.at)).toEqual(['2026-11-22T10:05:00.000Z', '2026-11-22T10:05:00.000Z']);
    expect(new Set(first.items.map((r) => r.userId))).toEqual(new Set(['alice', 'carol']));
    expect(first.nextCursor).toBeDefined();
    const second = await reads.list(ws, project, { limit: 2, cursor: first.nextCursor });
    expect(second.items).toEqual([read('2026-11-22T10:00:00.000Z')]);
    expect((await reads.list(ws, other, { limit: 10 })).items).toEqual([
      read('2026-11-22T11:00:00.000Z', 'alice', other),
    ]);
    expect((await reads.list('wother', project, { limit: 10 })).items).toEqual([]);
  });
});
