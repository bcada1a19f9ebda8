import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Membership, User, Workspace } from '../../../shared/domain.ts';
import { randomIds } from '../system/ids.ts';
import { makeDocumentClient } from './client.ts';
import { DynamoUsers } from './users.ts';
import { DynamoWorkspaces } from './workspaces.ts';

let workspaces: DynamoWorkspaces;
let users: DynamoUsers;

beforeAll(() => {
  const { dynamodbEndpoint } = inject('wharf');
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  const table = {
    doc: makeDocumentClient({ endpoint: dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
  workspaces = new DynamoWorkspaces(table);
  users = new DynamoUsers(table);
});

const now = new Date().toISOString();
const user = (id: string): User => ({
  id,
  username: id,
  personalWorkspaceId: randomIds.personalWorkspaceId(id),
  createdAt: now,
});
const workspaceOf = (u: User): Workspace => ({
  id: u.personalWorkspaceId,
  name: u.username,
  namespace: `${u.username}-${u.personalWorkspaceId}`,
  personal: true,
  createdBy: u.id,
  createdAt: now,
});
const member = (workspaceId: string, userId: string, role: Membership['role']): Membership => ({
  workspaceId,
  userId,
  role,
  addedAt: now,
  addedBy: 'test',
});

describe('DynamoWorkspaces on DynamoDB Local', () => {
  it('bootstraps a user exactly once when many first calls race', async () => {
    const u = user(`racer-${randomIds.token()}`);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => workspaces.bootstrapUser(u, workspaceOf(u))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await users.get(u.id)).toMatchObject({ id: u.id });
    expect(await workspaces.listForUser(u.id)).toEqual([{ workspace: workspaceOf(u), role: 'owner' }]);
  });

  it('keeps at least one owner when two owners remove each other at once', async () => {
    const [a, b] = [user(`own-a-${randomIds.token()}`), user(`own-b-${randomIds.token()}`)];
    await workspaces.bootstrapUser(a, workspaceOf(a));
    const wsId = a.personalWorkspaceId;
    await workspaces.addMember(member(wsId, b.id, 'owner'));
    const outcomes = await Promise.allSettled([
      workspaces.removeMember(member(wsId, a.id, 'owner')),
      workspaces.removeMember(member(wsId, b.id, 'owner')),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const owners = (await workspaces.listMembers(wsId)).filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
  });

  it('refuses to add a member twice', async () => {
    const a = user(`dup-${randomIds.token()}`);
    await workspaces.bootstrapUser(a, workspaceOf(a));
    await workspaces.addMember(member(a.personalWorkspaceId, 'someone', 'member'));
    await expect(
      workspaces.addMember(member(a.personalWorkspaceId, 'someone', 'member')),
    ).rejects.toMatchObject({
      code: 'workspace.member_exists',
    });
  });
});
