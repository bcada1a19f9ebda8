import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Membership, User, Workspace } from '../../../shared/domain.ts';
import { conflict } from '../../../shared/errors.ts';
import type { WorkspaceRepository } from '../../../shared/ports.ts';
import { conditionalWrite, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes } from './keys.ts';
import { GSI1 } from './table.ts';

/** The workspace item also keeps `ownerCount` (see below), which the schema leaves out of the Workspace. */
const workspaceSchema = storedAs<Workspace>()(
  z.object({
    id: z.string(),
    name: z.string(),
    namespace: z.string(),
    personal: z.boolean(),
    createdBy: z.string(),
    createdAt: z.string(),
  }),
);

const membershipSchema = storedAs<Membership>()(
  z.object({
    workspaceId: z.string(),
    userId: z.string(),
    // ROLES, spelled here to keep the input schemas out of the bundle; storedAs holds it to Role.
    role: z.enum(['owner', 'member']),
    addedAt: z.string(),
    addedBy: z.string(),
  }),
);

/**
 * Workspaces, memberships and users. The workspace item keeps `ownerCount` so that removing an owner
 * can be conditional on another owner remaining, inside the same transaction.
 */
export class DynamoWorkspaces implements WorkspaceRepository {
  constructor(private readonly table: TableRef) {}

  private put(item: Record<string, unknown>) {
    return {
      Put: { TableName: this.table.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
    };
  }

  async bootstrapUser(user: User, workspace: Workspace) {
    const owner: Membership = {
      workspaceId: workspace.id,
      userId: user.id,
      role: 'owner',
      addedAt: user.createdAt,
      addedBy: user.id,
    };
    // Not created: a concurrent first call won the race; its user item is there, ours is not needed.
    const created = await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          this.put({ ...keys.user(user.id), entity: 'user', ...user }),
          this.put({ ...keys.workspace(workspace.id), entity: 'workspace', ...workspace, ownerCount: 1 }),
          this.put({ ...keys.member(workspace.id, user.id), entity: 'member', ...owner }),
        ],
      }),
    );
    return { created };
  }

  async create(workspace: Workspace, owner: Membership) {
    await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          this.put({ ...keys.workspace(workspace.id), entity: 'workspace', ...workspace, ownerCount: 1 }),
          this.put({ ...keys.member(workspace.id, owner.userId), entity: 'member', ...owner }),
        ],
      }),
      () => conflict('workspace.exists', 'A workspace with this id exists; retry.'),
    );
  }

  async get(workspaceId: string) {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.workspace(workspaceId) }),
    );
    return Item ? parseItem(workspaceSchema, Item) : undefined;
  }

  async getMembership(workspaceId: string, userId: string) {
    const { pk, sk } = keys.member(workspaceId, userId);
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: { pk, sk } }),
    );
    return Item ? parseItem(membershipSchema, Item) : undefined;
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>) {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({ ...input, TableName: this.table.tableName, ExclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async listMembers(workspaceId: string) {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
      ExpressionAttributeValues: {
        ':pk': prefixes.workspacePartition(workspaceId),
        ':member': prefixes.member,
      },
    });
    return items.map((i) => parseItem(membershipSchema, i));
  }

  async listForUser(userId: string) {
    const memberships = (
      await this.queryAll({
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :user AND begins_with(gsi1sk, :ws)',
        ExpressionAttributeValues: { ':user': prefixes.userPartition(userId), ':ws': prefixes.workspace },
      })
    ).map((i) => parseItem(membershipSchema, i));
    const workspaces = new Map<string, Workspace>();
    for (let i = 0; i < memberships.length; i += 100) {
      let Keys: Record<string, unknown>[] | undefined = memberships
        .slice(i, i + 100)
        .map((m) => keys.workspace(m.workspaceId));
      while (Keys?.length) {
        const result: BatchGetCommandOutput = await this.table.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table.tableName]: { Keys } } }),
        );
        for (const item of result.Responses?.[this.table.tableName] ?? []) {
          const workspace = parseItem(workspaceSchema, item);
          workspaces.set(workspace.id, workspace);
        }
        Keys = result.UnprocessedKeys?.[this.table.tableName]?.Keys;
      }
    }
    return memberships.flatMap((m) => {
      const workspace = workspaces.get(m.workspaceId);
      return workspace ? [{ workspace, role: m.role }] : [];
    });
  }

  async addMember(membership: Membership) {
    const TableName = this.table.tableName;
    await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          this.put({
            ...keys.member(membership.workspaceId, membership.userId),
            entity: 'member',
            ...membership,
          }),
          {
            Update: {
              TableName,
              Key: keys.workspace(membership.workspaceId),
              UpdateExpression: 'SET ownerCount = ownerCount + :delta',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':delta': membership.role === 'owner' ? 1 : 0 },
            },
          },
        ],
      }),
      (failed) =>
        failed.includes(0)
          ? conflict(
              'workspace.member_exists',
              `${membership.userId} is already a member of this workspace.`,
              'userId',
            )
          : conflict('workspace.gone', 'The workspace no longer exists.'),
    );
  }

  async removeMember(membership: Membership) {
    const TableName = this.table.tableName;
    const { pk, sk } = keys.member(membership.workspaceId, membership.userId);
    const isOwner = membership.role === 'owner';
    await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName,
              Key: { pk, sk },
              ConditionExpression: '#role = :role',
              ExpressionAttributeNames: { '#role': 'role' },
              ExpressionAttributeValues: { ':role': membership.role },
            },
          },
          {
            Update: {
              TableName,
              Key: keys.workspace(membership.workspaceId),
              UpdateExpression: 'SET ownerCount = ownerCount - :delta',
              ConditionExpression: isOwner ? 'ownerCount > :one' : 'attribute_exists(pk)',
              ExpressionAttributeValues: isOwner ? { ':delta': 1, ':one': 1 } : { ':delta': 0 },
            },
          },
        ],
      }),
      (failed) =>
        failed.includes(1) && isOwner
          ? conflict(
              'workspace.last_owner',
              'The last owner of a workspace cannot be removed; add another owner first.',
            )
          : conflict('member.modified', 'The membership changed meanwhile; reload and try again.'),
    );
  }
}
