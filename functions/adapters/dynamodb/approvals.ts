import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { RUN_KINDS } from '../../../shared/deploy.ts';
import type { ApprovalRepository, PendingApproval } from '../../../shared/deploy-ports.ts';
import { ENVIRONMENTS } from '../../../shared/naming.ts';
import { conditionalWrite, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes } from './keys.ts';

/** The entry without `expiresAt`: that name is the table's TTL attribute, so the wait's end is `waitEndsAt`. */
const approvalSchema = storedAs<Omit<PendingApproval, 'expiresAt'>>()(
  z.object({
    workspaceId: z.string(),
    projectId: z.string(),
    projectName: z.string(),
    environment: z.enum(ENVIRONMENTS),
    runId: z.string(),
    kind: z.enum(RUN_KINDS),
    requestedBy: z.string(),
    requestedAt: z.string(),
    promotedFrom: z
      .object({ releaseId: z.string(), environment: z.enum(ENVIRONMENTS), number: z.number() })
      .optional(),
  }),
);
const storedSchema = z.object({ waitEndsAt: z.string(), taskToken: z.string() });
/** An entry its execution never closed (the platform lost it) disappears a day after the wait's end. */
const TTL_AFTER_EXPIRY_SECONDS = 86_400;

function fromItem(item: Record<string, unknown>): PendingApproval & { taskToken: string } {
  const { waitEndsAt, taskToken } = parseItem(storedSchema, item);
  return { ...parseItem(approvalSchema, item), expiresAt: waitEndsAt, taskToken };
}

/**
 * Runs waiting for an owner's approval: one item per run in its workspace's partition, keyed by run
 * id, so one Query lists them oldest first. The item holds the Step Functions task token, which
 * only approve/reject read (the list projects it away).
 */
export class DynamoApprovals implements ApprovalRepository {
  constructor(private readonly table: TableRef) {}

  async open(approval: PendingApproval, taskToken: string) {
    // A retried AwaitApproval has a new token: the entry is replaced.
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...keys.approval(approval.workspaceId, approval.runId),
          entity: 'approval',
          ...approval,
          waitEndsAt: approval.expiresAt,
          expiresAt: Math.floor(Date.parse(approval.expiresAt) / 1000) + TTL_AFTER_EXPIRY_SECONDS,
          taskToken,
        },
      }),
    );
  }

  async get(workspaceId: string, runId: string) {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.approval(workspaceId, runId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async close(workspaceId: string, runId: string) {
    // Conditional: of two deciders (or a decider and the expiry), one removes the entry.
    return conditionalWrite(
      this.table,
      new DeleteCommand({
        TableName: this.table.tableName,
        Key: keys.approval(workspaceId, runId),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async list(workspaceId: string) {
    const items: PendingApproval[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': prefixes.approvalsPartition(workspaceId) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const { taskToken: _token, ...approval } = fromItem(item);
        items.push(approval);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
