import type { ProjectPage, ProjectView } from '../api.ts';
import { databaseSecretRefs, legacyDatabasePasswordRef } from '../databases.ts';
import type { DeployTurnRepository, GitOpsRepository, ReleaseRepository } from '../deploy-ports.ts';
import type {
  DatabaseBinding,
  DatabaseCredentials,
  Identity,
  MicroservicesProject,
  Project,
  StoredEnvVar,
  Workspace,
} from '../domain.ts';
import { NEW_PROJECT_ENVIRONMENTS } from '../environments.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { gitopsPath, projectHosts } from '../manifests/names.ts';
import type { Environment } from '../naming.ts';
import { assertPublicHost, type ResolveHost } from '../network-guard.ts';
import type { Clock, IdGenerator, ProjectRepository, SecretStore, WorkspaceRepository } from '../ports.ts';
import { formatIssue, type Mode } from '../schemas/common.ts';
import {
  type CreateProjectInput,
  type EnvVarInput,
  projectSchemas,
  SPRING_LIVENESS_PATH,
  SPRING_READINESS_PATH,
} from '../schemas/project.ts';
import { requireMember } from './access.ts';
import { writeCredentials } from './databases.ts';
import type { DomainCheckDeps } from './domain-check.ts';
import { projectView, type ViewDeps } from './environment-views.ts';

export interface ProjectDeps {
  workspaces: WorkspaceRepository;
  projects: ProjectRepository;
  secrets: SecretStore;
  ids: IdGenerator;
  clock: Clock;
  mode: Mode;
  /** The domain apps are served under (WHARF_PLATFORM_DOMAIN): the projects' platform hosts derive from it. */
  platformDomain: string;
  /** The URL a host is reached at (WHARF_LIVE_URL_TEMPLATE); `https://<host>` when not set. */
  liveUrl?: ((host: string) => string) | undefined;
  /** The live state each environment of a project's answer shows. */
  turns: Pick<DeployTurnRepository, 'getEnvironment'>;
  releases: Pick<ReleaseRepository, 'getRelease'>;
  /**
   * Resolves a repository host (node:dns/promises `lookup(host, { all: true })` in production) so a
   * public-looking name that resolves to a private or metadata address is refused. Cloud mode only;
   * when not wired, only the schema's syntactic check applies.
   */
  resolveHost?: ResolveHost | undefined;
  /** What each custom domain's DNS check needs (the ingress host, the resolver); none: no check shown. */
  domains?: DomainCheckDeps | undefined;
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

/** The hosts a project holds (see `projectHosts`): none for a database. */
export function hostsOf(deps: Pick<ProjectDeps, 'platformDomain'>, project: Project, workspace: Workspace) {
  return projectHosts({ project, workspace, platformDomain: deps.platformDomain });
}

/**
 * What a change of a project claims and frees: the hosts `next` holds that `current` did not, and the
 * other way round. Only custom domains ever move (the platform hosts stay with the project for life),
 * so this is the domain change of any environment, production's included.
 */
export function hostChange(
  deps: Pick<ProjectDeps, 'platformDomain'>,
  current: Project,
  next: Project,
  workspace: Workspace,
) {
  const before = hostsOf(deps, current, workspace);
  const after = hostsOf(deps, next, workspace);
  const had = new Set(before.map((c) => c.host));
  const has = new Set(after.map((c) => c.host));
  const claim = after.filter((c) => !had.has(c.host));
  const release = before.filter((c) => !has.has(c.host)).map((c) => c.host);
  return claim.length > 0 || release.length > 0 ? { claim, release } : undefined;
}

const projectNotFound = (projectId: string) =>
  notFound('project.not_found', `No project ${projectId} in this workspace.`);

/**
 * Writes secret values to the secret store under fresh references and returns the stored list. The
 * caller deletes `written` if the project write then fails, so nothing half-written stays behind.
 */
export async function storeEnv(
  deps: Pick<ProjectDeps, 'secrets' | 'ids'>,
  /** An environment's overrides are stored under refs naming it, apart from the project's own. */
  project: { workspaceId: string; id: string; environment?: Environment | undefined },
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
      const scope = [project.workspaceId, project.id, project.environment].filter(Boolean).join('/');
      const secretRef = `wharf/${scope}/${v.name}/${deps.ids.token()}`;
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

export async function deleteSecrets(secrets: SecretStore, refs: string[]) {
  await Promise.allSettled(refs.map((ref) => secrets.delete(ref)));
}

export const secretRefs = (env: StoredEnvVar[]) => env.flatMap((v) => (v.secret ? [v.secretRef] : []));

/** Every secret a project holds: its own variables' and each environment's overrides'. */
const allSecretRefs = (project: Project) => [
  ...secretRefs(project.env),
  ...Object.values(project.environmentSettings ?? {}).flatMap((settings) => secretRefs(settings?.env ?? [])),
  ...(project.type === 'database'
    ? [
        // Databases created before per-environment credentials kept one password here.
        legacyDatabasePasswordRef(project.workspaceId, project.id),
        ...Object.values(project.credentials ?? {}).flatMap((c) => (c ? [c.passwordRef, c.urlRef] : [])),
      ]
    : []),
];

/** The names a project's containers get from its own variables, in any environment. */
const envNames = (project: Pick<Project, 'env' | 'environmentSettings'>) =>
  new Set([
    ...project.env.map((v) => v.name),
    ...Object.values(project.environmentSettings ?? {}).flatMap((s) => (s?.env ?? []).map((v) => v.name)),
  ]);

/**
 * Each binding names a live database project of the same workspace (not the project itself) that has
 * every environment the app has, and a variable the app does not set otherwise. Runs before anything
 * is written.
 */
async function checkBindings(
  deps: Pick<ProjectDeps, 'projects'>,
  app: Pick<Project, 'id' | 'workspaceId' | 'env' | 'environmentSettings' | 'environments'>,
  bindings: readonly DatabaseBinding[],
) {
  const taken = envNames(app);
  for (const [i, binding] of bindings.entries()) {
    const field = `databases.${i}.projectId`;
    const database =
      binding.projectId === app.id ? undefined : await deps.projects.get(app.workspaceId, binding.projectId);
    if (database?.type !== 'database') {
      throw invalid(
        'project.database_not_found',
        `${field} must be a database project of this workspace; ${binding.projectId} is not one`,
        field,
      );
    }
    const missing = app.environments.filter((e) => !database.environments.includes(e));
    if (missing.length > 0) {
      throw invalid(
        'project.database_environment_missing',
        `${field}: ${database.name} has no ${missing.join(' or ')} environment, which this project deploys to; bind a database that has them`,
        field,
      );
    }
    if (taken.has(binding.env)) {
      throw invalid(
        'project.database_env_taken',
        `databases.${i}.env must not be one of the project's own variables; ${binding.env} is already in env`,
        `databases.${i}.env`,
      );
    }
  }
}

/**
 * A PATCH replaces the service list; a service that names no probe path keeps the one it had (none, for
 * a service stored before probe paths existed: it keeps its TCP probes), and a new one gets Spring's.
 */
function withProbePaths(
  current: Pick<MicroservicesProject, 'services'>,
  services: MicroservicesProject['services'],
): MicroservicesProject['services'] {
  return services.map((service) => {
    const before = current.services.find((s) => s.name === service.name);
    const readinessPath = service.readinessPath ?? (before ? before.readinessPath : SPRING_READINESS_PATH);
    const livenessPath = service.livenessPath ?? (before ? before.livenessPath : SPRING_LIVENESS_PATH);
    return {
      ...service,
      ...(readinessPath ? { readinessPath } : {}),
      ...(livenessPath ? { livenessPath } : {}),
    };
  });
}

/** Every live project of the workspace that binds the database. */
async function projectsBinding(projects: ProjectRepository, workspaceId: string, databaseId: string) {
  const binding: Project[] = [];
  let cursor: string | undefined;
  do {
    const page = await projects.list(workspaceId, { limit: 200, cursor });
    for (const p of page.items) {
      if (p.type !== 'database' && p.databases?.some((b) => b.projectId === databaseId)) binding.push(p);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return binding;
}

/** The live state of a project just created, without reading it: nothing deployed, no hold. */
const nothingDeployed: Pick<ViewDeps, 'turns' | 'releases'> = {
  turns: { getEnvironment: async (projectId, environment) => ({ projectId, environment, releaseCount: 0 }) },
  releases: { getRelease: async () => undefined },
};

/**
 * New projects get staging and production unless the body lists their environments; databases too,
 * so every project type has the same pipeline shape (a staging database for the staging app).
 */
export function makeCreateProject(deps: Omit<ProjectDeps, 'turns' | 'releases'>) {
  return async (identity: Identity, workspaceId: string, input: CreateProjectInput): Promise<ProjectView> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    await checkRepositoryHost(deps, 'repository' in input ? input.repository.url : undefined);
    const now = deps.clock.now().toISOString();
    const id = deps.ids.projectId();
    const { env: _input, environments, ...fields } = input;
    const pipeline = environments ?? [...NEW_PROJECT_ENVIRONMENTS];
    if ('databases' in input && input.databases) {
      await checkBindings(
        deps,
        {
          id,
          workspaceId,
          environments: pipeline,
          env: input.env.map((v) => ({ ...v, secret: false, value: '' })),
        },
        input.databases,
      );
    }
    const { env, written } = await storeEnv(deps, { workspaceId, id }, input.env);
    const credentials: Partial<Record<Environment, DatabaseCredentials>> = {};
    if (input.type === 'database') {
      // Its manifests reference each environment's password and URL (ExternalSecrets): they exist
      // before the first deploy and never leave the secret store.
      try {
        for (const environment of pipeline) {
          const refs = await writeCredentials(
            deps.secrets,
            { ...input, workspaceId, id },
            workspace,
            environment,
            {
              version: 1,
              rotatedAt: now,
            },
          );
          written.push(refs.passwordRef, refs.urlRef);
          credentials[environment] = refs;
        }
      } catch (error) {
        await deleteSecrets(deps.secrets, [
          ...written,
          // The one that failed may have written its password before the URL failed.
          ...pipeline.flatMap((e) =>
            credentials[e] ? [] : Object.values(databaseSecretRefs(workspaceId, id, e)),
          ),
        ]);
        throw error;
      }
    }
    const project = {
      ...fields,
      // A new project's services are all new: each gets Spring's probes unless it names its own.
      ...(input.type === 'microservices'
        ? { services: withProbePaths({ services: [] }, input.services) }
        : {}),
      id,
      workspaceId,
      environments: pipeline,
      env,
      ...(input.type === 'database' ? { credentials } : {}),
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
    return projectView({ ...deps, ...nothingDeployed }, project, workspace);
  };
}

export function makeGetProject(
  deps: Pick<
    ProjectDeps,
    'workspaces' | 'projects' | 'platformDomain' | 'liveUrl' | 'turns' | 'releases' | 'domains'
  > &
    Pick<ViewDeps, 'workloads'>,
) {
  return async (identity: Identity, workspaceId: string, projectId: string): Promise<ProjectView> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const project = await deps.projects.get(workspaceId, projectId);
    if (!project) throw projectNotFound(projectId);
    return projectView(deps, project, workspace);
  };
}

/**
 * A page of the workspace's projects, newest activity first (`?q=` narrows by name), each with its
 * pipeline: hold and out-of-sync of every environment (read in parallel), but not the current release, which would be a second round of reads per environment; the project's own
 * answer (GET) has it.
 */
export function makeListProjects(
  deps: Pick<
    ProjectDeps,
    'workspaces' | 'projects' | 'platformDomain' | 'liveUrl' | 'turns' | 'releases' | 'domains'
  >,
) {
  return async (
    identity: Identity,
    workspaceId: string,
    page: { limit: number; cursor?: string | undefined; q?: string | undefined },
  ): Promise<ProjectPage> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const result = await deps.projects.list(workspaceId, {
      limit: page.limit,
      cursor: page.cursor,
      query: page.q,
    });
    const items = await Promise.all(result.items.map((p) => projectView(deps, p, workspace, 'none')));
    return { items, nextCursor: result.nextCursor };
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
    const { domain, databases, services, ...rest } = changes as Record<string, unknown> & {
      databases?: DatabaseBinding[] | null;
      services?: MicroservicesProject['services'];
    };
    // `null` or `[]` detaches every database; leaving the field out keeps the bindings.
    const nextDatabases =
      databases === undefined ? (current.type === 'database' ? undefined : current.databases) : databases;
    if (nextDatabases && nextDatabases.length > 0) {
      const envAfter = envInput
        ? envInput.map((v) => ({ name: v.name, secret: false as const, value: '' }))
        : current.env;
      await checkBindings(deps, { ...current, env: envAfter }, nextDatabases);
    }
    const stored = envInput ? await storeEnv(deps, current, envInput, current.env) : undefined;
    const {
      domain: currentDomain,
      databases: _currentDatabases,
      ...unchanged
    } = current as Project & { domain?: string; databases?: DatabaseBinding[] };
    const nextDomain = domain === null ? undefined : ((domain as string | undefined) ?? currentDomain);
    const next = {
      ...unchanged,
      ...rest,
      ...(services && current.type === 'microservices'
        ? { services: withProbePaths(current, services) }
        : {}),
      ...(nextDomain ? { domain: nextDomain } : {}),
      ...(nextDatabases && nextDatabases.length > 0 ? { databases: nextDatabases } : {}),
      env: stored ? stored.env : current.env,
      updatedAt: deps.clock.now().toISOString(),
      revision: current.revision + 1,
    } as Project;
    try {
      await deps.projects.update(next, hostChange(deps, current, next, workspace));
    } catch (error) {
      if (stored) await deleteSecrets(deps.secrets, stored.written);
      throw error;
    }
    const stillUsed = new Set(secretRefs(next.env));
    await deleteSecrets(
      deps.secrets,
      secretRefs(current.env).filter((ref) => !stillUsed.has(ref)),
    );
    return projectView(deps, next, workspace);
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
    /**
     * Runs after the checks and before the GitOps commit that prunes the project: a database's final
     * backup. Throwing stops the delete with nothing removed.
     */
    beforeDelete?:
      | ((identity: Identity, project: Project, options: { finalBackup: boolean }) => Promise<void>)
      | undefined;
  },
) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    confirm: string | undefined,
    options: { finalBackup: boolean } = { finalBackup: true },
  ) => {
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
    if (project.type === 'database') {
      const users = await projectsBinding(deps.projects, workspaceId, project.id);
      if (users.length > 0) {
        const names = users.map((p) => p.name).join(', ');
        throw conflict(
          'project.database_in_use',
          `${project.name} is bound to ${names}; detach it from ${users.length === 1 ? 'that project' : 'those projects'} (PATCH with "databases") before deleting it.`,
        );
      }
    }
    await deps.beforeDelete?.(identity, project, options);
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
    await deleteSecrets(deps.secrets, allSecretRefs(project));
  };
}
