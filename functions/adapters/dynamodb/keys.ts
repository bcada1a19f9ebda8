/**
 * Every key of the single table is built here; nothing else writes key strings.
 *
 * | access pattern                         | operation | key condition                                   |
 * |----------------------------------------|-----------|-------------------------------------------------|
 * | get a user                             | GetItem   | pk=USER#<userId>, sk=USER                        |
 * | get a workspace                        | GetItem   | pk=WS#<workspaceId>, sk=WS                       |
 * | is the caller a member (and role)      | GetItem   | pk=WS#<workspaceId>, sk=MEMBER#<userId>          |
 * | list a workspace's members             | Query     | pk=WS#<workspaceId>, sk begins_with MEMBER#      |
 * | list a user's workspaces               | Query gsi1| gsi1pk=USER#<userId>, gsi1sk begins_with WS#     |
 * |                                        | BatchGet  | then the workspaces by key                        |
 * | get a project                          | GetItem   | pk=WS#<workspaceId>, sk=PROJECT#<projectId>      |
 * | list a workspace's projects (paged)    | Query     | pk=WS#<workspaceId>, sk begins_with PROJECT#     |
 * | project name is unique in a workspace  | Put (txn) | pk=WS#<workspaceId>, sk=PROJECTNAME#<name>, cond |
 *
 * No request path scans.
 */
export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
  workspace: (workspaceId: string) => ({ pk: `WS#${workspaceId}`, sk: 'WS' }),
  member: (workspaceId: string, userId: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `MEMBER#${userId}`,
    gsi1pk: `USER#${userId}`,
    gsi1sk: `WS#${workspaceId}`,
  }),
  project: (workspaceId: string, projectId: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `PROJECT#${projectId}`,
  }),
  projectName: (workspaceId: string, name: string) => ({
    pk: `WS#${workspaceId}`,
    sk: `PROJECTNAME#${name}`,
  }),
} as const;

export const prefixes = {
  workspacePartition: (workspaceId: string) => `WS#${workspaceId}`,
  userPartition: (userId: string) => `USER#${userId}`,
  member: 'MEMBER#',
  project: 'PROJECT#',
  workspace: 'WS#',
} as const;

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'expiresAt'] as const;

/** Strips the table's own attributes from an item, leaving the entity. */
export function fromItem<T>(item: Record<string, unknown>): T {
  const copy: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRIBUTES) delete copy[k];
  return copy as T;
}
