import type { Membership, Page, Project, User, Workspace } from './domain.ts';
import type { Environment } from './naming.ts';

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

/** A host a project serves (spelled by `hostKey`), held by one project across all workspaces. */
export interface HostClaim {
  host: string;
  environment: Environment;
}

/** Who holds a host. */
export interface HostOwner {
  projectId: string;
  workspaceId: string;
  environment: Environment;
}

export interface ProjectRepository {
  /**
   * Creates the project and claims its hosts, all or nothing; names are unique per workspace
   * (`project.name_taken`), hosts across all workspaces (`project.host_taken`).
   */
  create(project: Project, hosts: readonly HostClaim[]): Promise<void>;
  get(
    workspaceId: string,
    projectId: string,
    options?: { includeDeleted?: boolean },
  ): Promise<Project | undefined>;
  list(workspaceId: string, options: ListOptions): Promise<Page<Project>>;
  /**
   * Replaces the project if its stored revision is `project.revision - 1` (`project.modified` otherwise),
   * claiming `hosts.claim` and freeing `hosts.release` in the same write (`project.host_taken`).
   */
  update(
    project: Project,
    hosts?: { claim: readonly HostClaim[]; release: readonly string[] },
  ): Promise<void>;
  /**
   * Frees the name and the project's `hosts` and hides the project from lists; its history stays
   * readable via `get(…, { includeDeleted })`. A host another project holds is left alone.
   */
  delete(project: Project, deletedAt: string, hosts: readonly string[]): Promise<void>;
  /** Projects (in any workspace) whose repository and branch are these. */
  findByRepository(repositoryUrl: string, branch: string): Promise<Project[]>;
  /**
   * Projects (in any workspace, not deleted) whose repository is this one, whatever branch they
   * track: a pushed tag names no branch.
   */
  findByRepositoryUrl(repositoryUrl: string): Promise<Project[]>;
  /** The project that holds a host (any spelling `hostKey` folds), if one does. */
  hostOwner(host: string): Promise<HostOwner | undefined>;
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
