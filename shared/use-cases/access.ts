import type { Membership, Workspace } from '../domain.ts';
import { forbidden, notFound } from '../errors.ts';
import type { WorkspaceRepository } from '../ports.ts';

/**
 * Every object id in a path is checked against the caller's membership. A workspace the caller does
 * not belong to answers exactly like one that does not exist, so ids of other tenants leak nothing.
 */
export async function requireMember(
  workspaces: WorkspaceRepository,
  workspaceId: string,
  userId: string,
): Promise<{ workspace: Workspace; membership: Membership }> {
  const [membership, workspace] = await Promise.all([
    workspaces.getMembership(workspaceId, userId),
    workspaces.get(workspaceId),
  ]);
  if (!membership || !workspace) throw workspaceNotFound(workspaceId);
  return { workspace, membership };
}

export async function requireOwner(workspaces: WorkspaceRepository, workspaceId: string, userId: string) {
  const access = await requireMember(workspaces, workspaceId, userId);
  if (access.membership.role !== 'owner') {
    throw forbidden('workspace.owner_required', 'Only an owner of this workspace can do that.');
  }
  return access;
}

const workspaceNotFound = (workspaceId: string) =>
  notFound('workspace.not_found', `No workspace ${workspaceId} is visible to you.`);
