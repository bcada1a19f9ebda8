import type { Membership, Project, User, Workspace } from '../domain.ts';
import { conflict, hostTaken } from '../errors.ts';
import { hostKey, projectDomains } from '../manifests/names.ts';
import type {
  Clock,
  HostClaim,
  HostOwner,
  IdGenerator,
  ProjectRepository,
  SecretStore,
  UserRepository,
  WorkspaceRepository,
} from '../ports.ts';
import { type ProjectListOptions, pageByActivity } from '../project-list.ts';

/** In-memory fakes of the ports, with the same atomicity rules as the DynamoDB adapters. */
export class InMemoryStore {
  readonly users = new Map<string, User>();
  readonly workspaces = new Map<string, Workspace>();
  readonly members = new Map<string, Membership>();

  async bootstrapUser(user: User, workspace: Workspace) {
    if (this.users.has(user.id)) return { created: false };
    this.users.set(user.id, user);
    this.workspaces.set(workspace.id, workspace);
    this.members.set(`${workspace.id}/${user.id}`, {
      workspaceId: workspace.id,
      userId: user.id,
      role: 'owner',
      addedAt: user.createdAt,
      addedBy: user.id,
    });
    return { created: true };
  }

  async create(workspace: Workspace, owner: Membership) {
    if (this.workspaces.has(workspace.id)) throw conflict('workspace.exists', 'workspace exists');
    this.workspaces.set(workspace.id, workspace);
    this.members.set(`${workspace.id}/${owner.userId}`, owner);
  }

  async getMembership(workspaceId: string, userId: string) {
    return this.members.get(`${workspaceId}/${userId}`);
  }

  async listMembers(workspaceId: string) {
    return [...this.members.values()].filter((m) => m.workspaceId === workspaceId);
  }

  async listForUser(userId: string) {
    return [...this.members.values()]
      .filter((m) => m.userId === userId)
      .flatMap((m) => {
        const workspace = this.workspaces.get(m.workspaceId);
        return workspace ? [{ workspace, role: m.role }] : [];
      });
  }

  async addMember(m: Membership) {
    const key = `${m.workspaceId}/${m.userId}`;
    if (this.members.has(key)) throw conflict('workspace.member_exists', `${m.userId} is already a member`);
    this.members.set(key, m);
  }

  async removeMember(m: Membership) {
    const owners = (await this.listMembers(m.workspaceId)).filter((x) => x.role === 'owner');
    if (m.role === 'owner' && owners.length <= 1) {
      throw conflict('workspace.last_owner', 'the last owner cannot be removed');
    }
    this.members.delete(`${m.workspaceId}/${m.userId}`);
  }
}

export class InMemoryUsers implements UserRepository {
  constructor(private readonly store: InMemoryStore) {}
  async get(userId: string) {
    return this.store.users.get(userId);
  }
}

export class InMemoryWorkspaces implements WorkspaceRepository {
  constructor(private readonly store: InMemoryStore) {}
  bootstrapUser = (u: User, w: Workspace) => this.store.bootstrapUser(u, w);
  create = (w: Workspace, o: Membership) => this.store.create(w, o);
  get = async (id: string) => this.store.workspaces.get(id);
  getMembership = (w: string, u: string) => this.store.getMembership(w, u);
  listMembers = (w: string) => this.store.listMembers(w);
  listForUser = (u: string) => this.store.listForUser(u);
  addMember = (m: Membership) => this.store.addMember(m);
  removeMember = (m: Membership) => this.store.removeMember(m);
}

export class InMemoryProjects implements ProjectRepository {
  readonly items = new Map<string, Project>();
  /** Host claims by host, across all workspaces. */
  readonly hosts = new Map<string, HostOwner>();

  async create(project: Project, hosts: readonly HostClaim[]) {
    const taken = [...this.items.values()].some(
      (p) => !p.deletedAt && p.workspaceId === project.workspaceId && p.name === project.name,
    );
    if (taken)
      throw conflict('project.name_taken', `name ${project.name} is already used in this workspace`, 'name');
    this.claim(project, hosts);
    this.items.set(project.id, structuredClone(project));
  }

  async hostOwner(host: string) {
    const owner = this.hosts.get(hostKey(host));
    return owner && { ...owner };
  }

  /** Claims all of `hosts` or none (a host this project holds already is kept). */
  private claim(project: Project, hosts: readonly HostClaim[]) {
    const domains = new Set(projectDomains(project).map((d) => d.host));
    for (const { host } of hosts) {
      const owner = this.hosts.get(hostKey(host));
      if (owner && owner.projectId !== project.id)
        throw hostTaken(host, domains.has(hostKey(host)) ? 'domain' : 'name');
    }
    for (const { host, environment } of hosts) {
      this.hosts.set(hostKey(host), { projectId: project.id, workspaceId: project.workspaceId, environment });
    }
  }

  private release(project: Project, hosts: readonly string[]) {
    for (const host of hosts) {
      if (this.hosts.get(hostKey(host))?.projectId === project.id) this.hosts.delete(hostKey(host));
    }
  }

  async get(workspaceId: string, projectId: string, options: { includeDeleted?: boolean } = {}) {
    const p = this.items.get(projectId);
    if (!p || p.workspaceId !== workspaceId || (p.deletedAt && !options.includeDeleted)) return undefined;
    return structuredClone(p);
  }

  async findByRepository(url: string, branch: string) {
    return [...this.items.values()].filter(
      (p) => !p.deletedAt && 'repository' in p && p.repository.url === url && p.repository.branch === branch,
    );
  }

  async findByRepositoryUrl(url: string) {
    return [...this.items.values()].filter(
      (p) => !p.deletedAt && 'repository' in p && p.repository.url === url,
    );
  }

  /** When each project's newest run started (what `recordActivity` noted), by project id. */
  readonly lastRunAt = new Map<string, string>();

  async list(workspaceId: string, options: ProjectListOptions) {
    const live = [...this.items.values()].filter((p) => p.workspaceId === workspaceId && !p.deletedAt);
    return pageByActivity(structuredClone(live), this.lastRunAt, options);
  }

  async recordActivity(_workspaceId: string, projectId: string, at: string) {
    if (at > (this.lastRunAt.get(projectId) ?? '')) this.lastRunAt.set(projectId, at);
  }

  async update(project: Project, hosts?: { claim: readonly HostClaim[]; release: readonly string[] }) {
    const current = this.items.get(project.id);
    if (!current || current.revision !== project.revision - 1) {
      throw conflict('project.modified', 'the project changed since it was read; reload and try again');
    }
    if (hosts) {
      this.claim(project, hosts.claim);
      this.release(project, hosts.release);
    }
    this.items.set(project.id, structuredClone(project));
  }

  async delete(project: Project, deletedAt: string, hosts: readonly string[]) {
    this.release(project, hosts);
    this.items.set(project.id, { ...structuredClone(project), deletedAt });
  }
}

export class InMemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async put(ref: string, value: string) {
    this.values.set(ref, value);
  }
  async get(ref: string) {
    return this.values.get(ref);
  }
  async delete(ref: string) {
    this.values.delete(ref);
  }
}

export const fixedClock = (iso = '2026-11-22T10:00:00.000Z'): Clock => ({ now: () => new Date(iso) });

export function sequentialIds(): IdGenerator {
  let n = 0;
  const next = (prefix: string) => `${prefix}${(++n).toString(36).padStart(12, '0')}`;
  return {
    workspaceId: () => next('w'),
    projectId: () => next('p'),
    personalWorkspaceId: (userId) => `wpersonal${userId}`.toLowerCase().replace(/[^a-z0-9]/g, ''),
    token: () => next('t'),
    runId: () => next('r'),
  };
}
