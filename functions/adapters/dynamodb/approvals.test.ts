import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { PendingApproval } from '../../../shared/deploy-ports.ts';
import { randomIds } from '../system/ids.ts';
import { DynamoApprovals } from './approvals.ts';
import { makeDocumentClient } from './client.ts';

let approvals: DynamoApprovals;

beforeAll(() => {
  const { dynamodbEndpoint } = inject('wharf');
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  approvals = new DynamoApprovals({
    doc: makeDocumentClient({ endpoint: dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  });
});

const pending = (
  workspaceId: string,
  runId: string,
  extra: Partial<PendingApproval> = {},
): PendingApproval => ({
  workspaceId,
  projectId: 'p1',
  projectName: 'shop',
  environment: 'production',
  runId,
  kind: 'deploy',
  requestedBy: 'alice',
  requestedAt: '2026-11-22T10:00:00.000Z',
  expiresAt: '2026-11-23T10:00:00.000Z',
  ...extra,
});

describe('DynamoApprovals on DynamoDB Local', () => {
  it('lists a workspace’s waiting runs oldest first, without their tokens, and no other workspace’s', async () => {
    const ws = `w${randomIds.token()}`;
    const other = `w${randomIds.token()}`;
    await approvals.open(pending(ws, 'r0002'), 'token-2');
    await approvals.open(
      pending(ws, 'r0001', {
        kind: 'promote',
        promotedFrom: { releaseId: 'l1', environment: 'staging', number: 3 },
      }),
      'token-1',
    );
    await approvals.open(pending(other, 'r0003'), 'token-3');
    const list = await approvals.list(ws);
    expect(list.map((a) => a.runId)).toEqual(['r0001', 'r0002']);
    expect(list[0]).toEqual(
      pending(ws, 'r0001', {
        kind: 'promote',
        promotedFrom: { releaseId: 'l1', environment: 'staging', number: 3 },
      }),
    );
    expect(JSON.stringify(list)).not.toContain('token-');
    expect(await approvals.get(ws, 'r0002')).toEqual({ ...pending(ws, 'r0002'), taskToken: 'token-2' });
    expect(await approvals.get(ws, 'r0003')).toBeUndefined();
  });

  it('replaces the token when the wait is opened again (a retried task)', async () => {
    const ws = `w${randomIds.token()}`;
    await approvals.open(pending(ws, 'r1'), 'old');
    await approvals.open(pending(ws, 'r1', { expiresAt: '2026-11-24T00:00:00.000Z' }), 'new');
    expect(await approvals.get(ws, 'r1')).toMatchObject({
      taskToken: 'new',
      expiresAt: '2026-11-24T00:00:00.000Z',
    });
    expect(await approvals.list(ws)).toHaveLength(1);
  });

  it('closes an entry for exactly one of many callers', async () => {
    const ws = `w${randomIds.token()}`;
    await approvals.open(pending(ws, 'r1'), 'token');
    const results = await Promise.all(Array.from({ length: 5 }, () => approvals.close(ws, 'r1')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await approvals.get(ws, 'r1')).toBeUndefined();
    expect(await approvals.list(ws)).toEqual([]);
    expect(await approvals.close(ws, 'r1')).toBe(false);
  });
});
