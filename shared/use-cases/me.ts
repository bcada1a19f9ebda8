import type { MeView } from '../api.ts';
import type { Identity, User, Workspace } from '../domain.ts';
import { dnsLabel, workspaceNamespace } from '../naming.ts';
import type { Clock, IdGenerator, UserRepository, WorkspaceRepository } from '../ports.ts';
import { WORKSPACE_NAME_MAX } from '../schemas/workspace.ts';

export interface MeDeps {
  users: UserRepository;
  workspaces: WorkspaceRepository;
  ids: IdGenerator;
  clock: Clock;
}

/**
 * `GET /api/me`. The first call creates the user and a personal workspace; later (and concurrent)
 * calls find them. The personal workspace id is derived from the user id, so two first calls race to
 * write the same items and the repository's conditional transaction lets exactly one win.
 */
export function makeGetMe({ users, workspaces, ids, clock }: MeDeps) {
  return async (identity: Identity): Promise<MeView> => {
    let user = await users.get(identity.userId);
    if (!user) {
      const now = clock.now().toISOString();
      const workspaceId = ids.personalWorkspaceId(identity.userId);
      const name = dnsLabel([identity.username], WORKSPACE_NAME_MAX).replace(/^[^a-z]+/, '') || 'personal';
      const workspace: Workspace = {
        id: workspaceId,
        name,
        namespace: workspaceNamespace({ id: workspaceId, name }),
        personal: true,
        createdBy: identity.userId,
        createdAt: now,
      };
      const candidate: User = {
        id: identity.userId,
        username: identity.username,
        name: identity.name,
        email: identity.email,
        personalWorkspaceId: workspaceId,
        createdAt: now,
      };
      await workspaces.bootstrapUser(candidate, workspace);
      user = (await users.get(identity.userId)) ?? candidate;
    }
    const memberships = await workspaces.listForUser(identity.userId);
    return {
      user,
      workspaces: memberships.map(({ workspace, role }) => ({ ...workspace, role })),
    };
  };
}
