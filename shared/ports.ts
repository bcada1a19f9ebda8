import type { Membership, Page, Project, User, Workspace } from './domain.ts';
import type { Environment } from './naming.ts';
import type { ProjectListOptions } from './project-list.ts';

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
  /**
   * The workspace's live projects, newest activity first, named like `query` when one is given;
   * ordered and paged by `pageByActivity` (shared/project-list.ts).
   */
  list(workspaceId: string, options: ProjectListOptions): Promise<Page<Project>>;
  /**
   * Notes that a run of the project started at `at` (an ISO time), for the list's order; an older
   * time than the one noted is ignored.
   */
  recordActivity(workspaceId: string, projectId: string, at: string): Promise<void>;
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
  /** Writes the value as the ref's newest version (creating the secret when it is new). */
  put(ref: string, value: string): Promise<void>;
  /** The newest version's value, or undefined when there is no such secret. */
  get(ref: string): Promise<string | undefined>;
  delete(ref: string): Promise<void>;
}

/** Who read a database's credentials, and when: every `GET …/credentials` writes one. */
export interface CredentialRead {
  workspaceId: string;
  projectId: string;
  environment: Environment;
  userId: string;
  at: string;
}

export interface CredentialAuditRepository {
  record(read: CredentialRead): Promise<void>;
  /** Newest first. */
  list(workspaceId: string, projectId: string, options: ListOptions): Promise<Page<CredentialRead>>;
}

/** A stored backup file of a database environment. */
export interface StoredBackup {
  /** Its key below the store's root: `<workspaceId>/<projectId>/<environment>/<timestamp>.<ext>`. */
  key: string;
  createdAt: string;
  sizeBytes: number;
}

/** The platform's backup bucket (S3 in AWS; `.wharf/backups/` locally). */
export interface BackupStore {
  /** Newest first. */
  list(workspaceId: string, projectId: string, environment: Environment): Promise<StoredBackup[]>;
  /** How a key is shown to users (`s3://bucket/key`, or the local path below `.wharf/backups/`). */
  location(key: string): string;
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
