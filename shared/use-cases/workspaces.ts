import type { WorkspaceDetailView, WorkspaceView } from '../api.ts';
import type { Identity, Membership, MemberView, Workspace } from '../domain.ts';
import { notFound } from '../errors.ts';
import { workspaceNamespace } from '../naming.ts';
import type { Clock, IdGenerator, UserRepository, WorkspaceRepository } from '../ports.ts';
import type { AddMemberInput, CreateWorkspaceInput } from '../schemas/workspace.ts';
import { requireMember, requireOwner } from './access.ts';
import { bootstrapWorkspace, type WorkspaceBootstrapPorts } from './workspace-bootstrap.ts';

export interface WorkspaceDeps {
  workspaces: WorkspaceRepository;
  users: UserRepository;
  ids: IdGenerator;
  clock: Clock;
}

export function makeListWorkspaces({ workspaces }: Pick<WorkspaceDeps, 'workspaces'>) {
  return async (identity: Identity): Promise<{ items: WorkspaceView[] }> => {
    const list = await workspaces.listForUser(identity.userId);
    return { items: list.map(({ workspace, role }) => ({ ...workspace, role })) };
  };
}

/**
 * Creates the workspace with its creator as owner, then (given `bootstrap`) commits its Argo CD
 * AppProject and namespaces to GitOps, so its first deploy has somewhere to go.
 */
export function makeCreateWorkspace({
  workspaces,
  ids,
  clock,
  bootstrap,
}: Omit<WorkspaceDeps, 'users'> & { bootstrap?: WorkspaceBootstrapPorts | undefined }) {
  return async (identity: Identity, input: CreateWorkspaceInput): Promise<WorkspaceDetailView> => {
    const now = clock.now().toISOString();
    const id = ids.workspaceId();
    const workspace: Workspace = {
      id,
      name: input.name,
      namespace: workspaceNamespace({ id, name: input.name }),
      personal: false,
      createdBy: identity.userId,
      createdAt: now,
    };
    const owner: Membership = {
      workspaceId: id,
      userId: identity.userId,
      role: 'owner',
      addedAt: now,
      addedBy: identity.userId,
    };
    await workspaces.create(workspace, owner);
    if (bootstrap) await bootstrapWorkspace(bootstrap, workspace);
    return { ...workspace, role: owner.role, members: [owner] };
  };
}

export function makeGetWorkspace({ workspaces, users }: Pick<WorkspaceDeps, 'workspaces' | 'users'>) {
  return async (identity: Identity, workspaceId: string): Promise<WorkspaceDetailView> => {
    const { workspace, membership } = await requireMember(workspaces, workspaceId, identity.userId);
    const members = await workspaces.listMembers(workspaceId);
    // A workspace has a handful of members: one read each, in parallel.
    const people = await Promise.all(members.map((m) => users.get(m.userId)));
    const views: MemberView[] = members.map((m, i) => {
      const user = people[i];
      return user ? { ...m, username: user.username, ...(user.name ? { name: user.name } : {}) } : m;
    });
    return { ...workspace, role: membership.role, members: views };
  };
}

export function makeAddMember({ workspaces, users, clock }: Omit<WorkspaceDeps, 'ids'>) {
  return async (identity: Identity, workspaceId: string, input: AddMemberInput) => {
    await requireOwner(workspaces, workspaceId, identity.userId);
    const user = await users.get(input.userId);
    if (!user) {
      throw notFound(
        'user.not_found',
        `No user ${input.userId} has signed in to Wharf yet; ask them to sign in once first.`,
      );
    }
    const membership: Membership = {
      workspaceId,
      userId: user.id,
      role: input.role,
      addedAt: clock.now().toISOString(),
      addedBy: identity.userId,
    };
    await workspaces.addMember(membership);
    return membership;
  };
}

/** The owner removes anyone; a member may remove only themselves (leave). The last owner stays. */
export function makeRemoveMember({ workspaces }: Pick<WorkspaceDeps, 'workspaces'>) {
  return async (identity: Identity, workspaceId: string, userId: string) => {
    const leaving = userId === identity.userId;
    if (leaving) await requireMember(workspaces, workspaceId, identity.userId);
    else await requireOwner(workspaces, workspaceId, identity.userId);
    const membership = await workspaces.getMembership(workspaceId, userId);
    if (!membership) throw notFound('member.not_found', `${userId} is not a member of this workspace.`);
    await workspaces.removeMember(membership);
  };
}
