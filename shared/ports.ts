import type { Membership, Page, Project, User, Workspace } from './domain.ts';

/**
 * Ports the use cases depend on. Adapters live in functions/adapters (DynamoDB, secret stores);
 * in-memory fakes for tests live in shared/testing.
 */
export interface UserRepository {
  get(userId: string): Promise<User | undefined>;
}

export interface WorkspaceRepository {
  /**
   * Creates the user, their personal workspace and its owner membership together. Idempotent: when
   * the user already exists nothing is written and `created` is false.
   */
  bootstrapUser(user: User, workspace: Workspace): Promise<{ created: boolean }>;
  /** Creates a workspace and its owner membership together. */
  create(workspace: Workspace, owner: Membership): Promise<void>;
  get(workspaceId: string): Promise<Workspace | undefined>;
  getMembership(workspaceId: string, userId: string): Promise<Membership | undefined>;
  listMembers(workspaceId: string): Promise<Membership[]>;
  listForUser(userId: string): Promise<Array<{ workspace: Workspace; role: Membership['role'] }>>;
  /** Adds a member; `workspace.member_exists` conflict if already one. */
  addMember(membership: Membership): Promise<void>;
  /** Removes a member; refuses (`workspace.last_owner`) to remove the last owner, atomically. */
  removeMember(membership: Membership): Promise<void>;
}

export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
}

export interface ProjectRepository {
  /** Creates the project; names are unique per workspace, enforced atomically (`project.name_taken`). */
  create(project: Project): Promise<void>;
  get(
    workspaceId: string,
    projectId: string,
    options?: { includeDeleted?: boolean },
  ): Promise<Project | undefined>;
  list(workspaceId: string, options: ListOptions): Promise<Page<Project>>;
  /** Replaces the project if its stored revision is `project.revision - 1` (`project.modified` otherwise). */
  update(project: Project): Promise<void>;
  /** Frees the name and hides the project from lists; its history stays readable via `get(…, { includeDeleted })`. */
  delete(project: Project, deletedAt: string): Promise<void>;
  /** Projects (in any workspace) whose repository and branch are these. */
  findByRepository(repositoryUrl: string, branch: string): Promise<Project[]>;
}

/** Secret values live in the secret store; projects keep only a reference. */
export interface SecretStore {
  put(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  workspaceId(): string;
  projectId(): string;
  /** The same user always gets the same personal workspace id, so concurrent first calls agree. */
  personalWorkspaceId(userId: string): string;
  /** A short random token, for names that must differ between attempts (secret references). */
  token(): string;
  /** Run ids sort by creation time (newest last); they are also Step Functions execution names. */
  runId(): string;
}
