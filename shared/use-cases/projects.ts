import type { ProjectPage, ProjectView } from '../api.ts';
import type { DeployTurnRepository, GitOpsRepository } from '../deploy-ports.ts';
import type { EnvVarView, Identity, Project, StoredEnvVar, Workspace } from '../domain.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { gitopsPath, hostKey, projectHosts } from '../manifests/names.ts';
import { workspaceNamespace } from '../naming.ts';
import { assertPublicHost, type ResolveHost } from '../network-guard.ts';
import type { Clock, IdGenerator, ProjectRepository, SecretStore, WorkspaceRepository } from '../ports.ts';
import { formatIssue, type Mode } from '../schemas/common.ts';
import { type CreateProjectInput, type EnvVarInput, projectSchemas } from '../schemas/project.ts';
import { requireMember } from './access.ts';

export interface ProjectDeps {
  workspaces: WorkspaceRepository;
  projects: ProjectRepository;
  secrets: SecretStore;
  ids: IdGenerator;
  clock: Clock;
  mode: Mode;
  /** The domain apps are served under (WHARF_PLATFORM_DOMAIN): the projects' platform hosts derive from it. */
  platformDomain: string;
  /**
   * Resolves a repository host (node:dns/promises `lookup(host, { all: true })` in production) so a
   * public-looking name that resolves to a private or metadata address is refused. Cloud mode only;
   * when not wired, only the schema's syntactic check applies.
   */
  resolveHost?: ResolveHost | undefined;
}

/**
 * In cloud mode, every address the repository's host resolves to must be public (the schema already
 * refused internal spellings). Runs before anything is written. The build checks again when it
 * connects: DNS may answer differently later.
 */
async function checkRepositoryHost(deps: Pick<ProjectDeps, 'mode' | 'resolveHost'>, url: string | undefined) {
  if (deps.mode !== 'cloud' || !deps.resolveHost || url === undefined) return;
  await assertPublicHost(new URL(url).hostname, deps.resolveHost, { field: 'repository.url' });
}

function toProjectView(project: Project, workspace: Workspace): ProjectView {
  const env: EnvVarView[] = project.env.map((v) =>
    v.secret ? { name: v.name, secret: true, set: true } : { name: v.name, secret: false, value: v.value },
  );
  const namespaces = Object.fromEntries(
    project.environments.map((e) => [e, workspaceNamespace(workspace, e)]),
  );
  return { ...project, env, namespaces } as ProjectView;
}

/** The hosts a project holds: none for a database (not exposed). */
function hostsOf(deps: Pick<ProjectDeps, 'platformDomain'>, project: Project, workspace: Workspace) {
  if (project.type === 'database') return [];
  return projectHosts({ project, workspace, platformDomain: deps.platformDomain });
}

/**
 * What a domain change claims and frees: only the custom domain changes (the platform hosts stay with
 * the project for life, and a domain that spells one of them is not claimed or freed on its own).
 */
function domainChange(
  deps: Pick<ProjectDeps, 'platformDomain'>,
  current: Project,
  next: Project,
  workspace: Workspace,
) {
  const platform = new Set(
    hostsOf(deps, { ...current, domain: undefined } as Project, workspace).map((c) => c.host),
  );
  const domainOf = (p: Project) => ('domain' in p && p.domain ? hostKey(p.domain) : undefined);
  const before = domainOf(current);
  const after = domainOf(next);
  if (before === after || current.type === 'database') return undefined;
  return {
    claim: after && !platform.has(after) ? [{ host: after, environment: 'production' as const }] : [],
    release: before && !platform.has(before) ? [before] : [],
  };
}

const projectNotFound = (projectId: string) =>
  notFound('project.not_found', `No project ${projectId} in this workspace.`);

/**
 * Writes secret values to the secret store under fresh references and returns the stored list. The
 * caller deletes `written` if the project write then fails, so nothing half-written stays behind.
 */
async function storeEnv(
  deps: Pick<ProjectDeps, 'secrets' | 'ids'>,
  project: { workspaceId: string; id: string },
  input: EnvVarInput[],
  previous: StoredEnvVar[] = [],
): Promise<{ env: StoredEnvVar[]; written: string[] }> {
  const written: string[] = [];
  const env: StoredEnvVar[] = [];
  try {
    for (const [index, v] of input.entries()) {
      if (!v.secret) {
        env.push({ name: v.name, secret: false, value: v.value ?? '' });
        continue;
      }
      if (v.value === undefined) {
        const kept = previous.find((p) => p.name === v.name && p.secret);
        if (!kept?.secret) {
          throw invalid(
            'project.secret_value_required',
            `env.${index}.value is required: ${v.name} has no stored secret value yet`,
            `env.${index}.value`,
          );
        }
        env.push(kept);
        continue;
      }
      const secretRef = `wharf/${project.workspaceId}/${project.id}/${v.name}/${deps.ids.token()}`;
      await deps.secrets.put(secretRef, v.value);
      written.push(secretRef);
      env.push({ name: v.name, secret: true, secretRef });
    }
  } catch (error) {
    await deleteSecrets(deps.secrets, written);
    throw error;
  }
  return { env, written };
}

async function deleteSecrets(secrets: SecretStore, refs: string[]) {
  await Promise.allSettled(refs.map((ref) => secrets.delete(ref)));
}

const secretRefs = (env: StoredEnvVar[]) => env.flatMap((v) => (v.secret ? [v.secretRef] : []));

export function makeCreateProject(deps: ProjectDeps) {
  return async (identity: Identity, workspaceId: string, input: CreateProjectInput): Promise<ProjectView> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    await checkRepositoryHost(deps, 'repository' in input ? input.repository.url : undefined);
    const now = deps.clock.now().toISOString();
    const id = deps.ids.projectId();
    const { env, written } = await storeEnv(deps, { workspaceId, id }, input.env);
    const { env: _input, ...fields } = input;
    const project = {
      ...fields,
      id,
      workspaceId,
      environments: ['production'],
      env,
      createdBy: identity.userId,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    } as Project;
    try {
      await deps.projects.create(project, hostsOf(deps, project, workspace));
    } catch (error) {
      await deleteSecrets(deps.secrets, written);
      throw error;
    }
    return toProjectView(project, workspace);
  };
}

export function makeGetProject(deps: Pick<ProjectDeps, 'workspaces' | 'projects'>) {
  return async (identity: Identity, workspaceId: string, projectId: string): Promise<ProjectView> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const project = await deps.projects.get(workspaceId, projectId);
    if (!project) throw projectNotFound(projectId);
    return toProjectView(project, workspace);
  };
}

export function makeListProjects(deps: Pick<ProjectDeps, 'workspaces' | 'projects'>) {
  return async (
    identity: Identity,
    workspaceId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<ProjectPage> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const result = await deps.projects.list(workspaceId, page);
    return { items: result.items.map((p) => toProjectView(p, workspace)), nextCursor: result.nextCursor };
  };
}

/**
 * `PATCH`: the body is checked against the schema of the stored project's type (name and type are
 * fixed). Secret values are written under fresh references first; the old ones are deleted only after
 * the project write succeeded, and the new ones are deleted if it failed.
 */
export function makeUpdateProject(deps: ProjectDeps) {
  const schemas = projectSchemas(deps.mode);
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    body: unknown,
  ): Promise<ProjectView> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const current = await deps.projects.get(workspaceId, projectId);
    if (!current) throw projectNotFound(projectId);
    const parsed = schemas.update[current.type].safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const { field, message } = issue ? formatIssue(issue) : { field: 'body', message: 'body is invalid' };
      const fixed = field === 'name' || field === 'type';
      throw invalid(
        fixed ? `project.${field}_immutable` : 'request.invalid',
        fixed ? `${field} cannot be changed after a project is created` : message,
        field,
      );
    }
    const { env: envInput, ...changes } = parsed.data as { env?: EnvVarInput[] } & Record<string, unknown>;
    await checkRepositoryHost(deps, (changes.repository as { url: string } | undefined)?.url);
    const stored = envInput ? await storeEnv(deps, current, envInput, current.env) : undefined;
    const { domain, ...rest } = changes;
    const { domain: currentDomain, ...unchanged } = current as Project & { domain?: string };
    const nextDomain = domain === null ? undefined : ((domain as string | undefined) ?? currentDomain);
    const next = {
      ...unchanged,
      ...rest,
      ...(nextDomain ? { domain: nextDomain } : {}),
      env: stored ? stored.env : current.env,
      updatedAt: deps.clock.now().toISOString(),
      revision: current.revision + 1,
    } as Project;
    try {
      await deps.projects.update(next, domainChange(deps, current, next, workspace));
    } catch (error) {
      if (stored) await deleteSecrets(deps.secrets, stored.written);
      throw error;
    }
    const stillUsed = new Set(secretRefs(next.env));
    await deleteSecrets(
      deps.secrets,
      secretRefs(current.env).filter((ref) => !stillUsed.has(ref)),
    );
    return toProjectView(next, workspace);
  };
}

/**
 * Deleting needs `confirm` equal to the project's name: the API's guard against a slip. The project's
 * folders leave the GitOps repository in one commit (so Argo CD prunes what ran), its secrets are
 * deleted, and its runs and releases stay readable. Not while a deploy of it is in progress.
 */
export function makeDeleteProject(
  deps: Pick<ProjectDeps, 'workspaces' | 'projects' | 'secrets' | 'clock' | 'platformDomain'> & {
    turns: Pick<DeployTurnRepository, 'getEnvironment'>;
    gitops: GitOpsRepository;
  },
) {
  return async (identity: Identity, workspaceId: string, projectId: string, confirm: string | undefined) => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const project = await deps.projects.get(workspaceId, projectId);
    if (!project) throw projectNotFound(projectId);
    if (confirm !== project.name) {
      throw invalid(
        'project.confirmation_required',
        `confirm must equal the project name (${project.name}) to delete it; add ?confirm=${project.name}`,
        'confirm',
      );
    }
    for (const environment of project.environments) {
      const env = await deps.turns.getEnvironment(project.id, environment);
      if (env.activeRunId) {
        throw conflict(
          'project.deploy_in_progress',
          `Run ${env.activeRunId} is deploying ${project.name}; wait for it to finish.`,
        );
      }
    }
    const paths = project.environments.map((environment) =>
      gitopsPath({ workspaceId, userId: project.createdBy, projectName: project.name, environment }),
    );
    await deps.gitops.commit({
      message: `Delete ${project.name}\n\nRemoved by ${identity.userId}; Argo CD prunes what it ran.`,
      author: {
        name: identity.name ?? identity.username,
        email: identity.email ?? `${identity.userId}@users.wharf.invalid`,
      },
      files: [],
      deletePaths: paths,
    });
    // The hosts are freed after the commit that prunes the app, so nobody else is routed there meanwhile.
    await deps.projects.delete(
      project,
      deps.clock.now().toISOString(),
      hostsOf(deps, project, workspace).map((claim) => claim.host),
    );
    await deleteSecrets(deps.secrets, secretRefs(project.env));
  };
}
