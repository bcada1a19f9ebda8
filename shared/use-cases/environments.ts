import type { EnvironmentView } from '../api.ts';
import type { EnvironmentSettings, Identity, Project } from '../domain.ts';
import { environmentConfig } from '../environments.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import { hostKey } from '../manifests/names.ts';
import { ENVIRONMENTS, type Environment } from '../naming.ts';
import type { UpdateEnvironmentInput } from '../schemas/environment.ts';
import { requireMember } from './access.ts';
import { environmentView } from './environment-views.ts';
import { deleteSecrets, hostChange, type ProjectDeps, secretRefs, storeEnv } from './projects.ts';

type ReadDeps = Pick<
  ProjectDeps,
  'workspaces' | 'projects' | 'platformDomain' | 'liveUrl' | 'turns' | 'releases' | 'domains'
>;

const environmentNotFound = (projectId: string, environment: string) =>
  notFound('environment.not_found', `Project ${projectId} has no environment ${environment}.`);

/**
 * The caller's workspace, the project and one of its environments, or the 404 of whichever is not
 * there (or not visible): an environment name Wharf does not know is just an environment not found.
 */
async function environmentOf(
  deps: Pick<ProjectDeps, 'workspaces' | 'projects'>,
  identity: Identity,
  workspaceId: string,
  projectId: string,
  environment: string,
) {
  const access = await requireMember(deps.workspaces, workspaceId, identity.userId);
  const project = await deps.projects.get(workspaceId, projectId);
  if (!project) throw notFound('project.not_found', `No project ${projectId} in this workspace.`);
  const name = ENVIRONMENTS.find((e) => e === environment);
  if (!name || !project.environments.includes(name)) throw environmentNotFound(projectId, environment);
  return { ...access, project, environment: name };
}

/** `GET …/projects/{projectId}/environments/{environment}`. */
export function makeGetEnvironment(deps: ReadDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    environment: string,
  ): Promise<EnvironmentView> => {
    const found = await environmentOf(deps, identity, workspaceId, projectId, environment);
    return environmentView(deps, found.project, found.workspace, found.environment);
  };
}

/** Fields a database has no use for: it is not exposed and runs one replica. */
const NOT_FOR_DATABASES = ['domain', 'replicas', 'autoscaling'] as const;

/**
 * `PATCH …/projects/{projectId}/environments/{environment}`: any member changes an environment's
 * settings, but only an owner changes whether it requires approval (the approval is an owner's
 * guard, so a member can't take it off). Override secrets are written under refs naming the
 * environment before the project, deleted if the project write fails, and the replaced ones deleted
 * after it succeeded. A domain change claims and frees hosts in the same revision-checked write.
 */
export function makeUpdateEnvironment(deps: ProjectDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    environment: string,
    input: UpdateEnvironmentInput,
  ): Promise<EnvironmentView> => {
    const found = await environmentOf(deps, identity, workspaceId, projectId, environment);
    const { project: current, workspace, membership } = found;
    const name = found.environment;
    if (current.type === 'database') {
      const field = NOT_FOR_DATABASES.find((f) => input[f] !== undefined);
      if (field) {
        throw invalid('request.invalid', `${field} does not apply to a database (it is not exposed)`, field);
      }
    }
    const config = environmentConfig(current, name);
    if (input.domain) {
      // Two environments at one host would be two apps behind one route: the second is refused.
      const other = current.environments.find(
        (e) =>
          e !== name && hostKey(environmentConfig(current, e).domain ?? '') === hostKey(input.domain ?? ''),
      );
      if (other)
        throw conflict(
          'project.host_taken',
          `domain ${input.domain} is already served by ${other}`,
          'domain',
        );
    }
    if (
      input.requiresApproval !== undefined &&
      input.requiresApproval !== config.requiresApproval &&
      membership.role !== 'owner'
    ) {
      throw forbidden(
        'environment.owner_required',
        'Only an owner of this workspace can change whether this environment requires approval.',
      );
    }
    const previousEnv = current.environmentSettings?.[name]?.env ?? [];
    const stored = input.env
      ? await storeEnv(deps, { ...current, environment: name }, input.env, previousEnv)
      : undefined;
    const next = withSettings(current, name, input, stored?.env, deps.clock.now().toISOString());
    try {
      await deps.projects.update(next, hostChange(deps, current, next, workspace));
    } catch (error) {
      if (stored) await deleteSecrets(deps.secrets, stored.written);
      throw error;
    }
    if (stored) {
      const stillUsed = new Set(secretRefs(stored.env));
      await deleteSecrets(
        deps.secrets,
        secretRefs(previousEnv).filter((ref) => !stillUsed.has(ref)),
      );
    }
    return environmentView(deps, next, workspace, name);
  };
}

/**
 * The project with one environment's settings changed. Production's custom domain is the project's
 * `domain` (as before environments existed); every other setting, production's too, lives in
 * `environmentSettings`. `null` clears; a field left out keeps what is stored.
 */
function withSettings(
  current: Project,
  environment: Environment,
  input: UpdateEnvironmentInput,
  env: EnvironmentSettings['env'],
  now: string,
): Project {
  const own: EnvironmentSettings = { ...current.environmentSettings?.[environment] };
  const set = <K extends keyof EnvironmentSettings>(key: K, value: EnvironmentSettings[K] | null) => {
    if (value === undefined) return;
    if (value === null) delete own[key];
    else own[key] = value;
  };
  const { domain, env: _env, ...rest } = input;
  let projectDomain = 'domain' in current ? current.domain : undefined;
  if (environment === 'production') {
    if (domain !== undefined) projectDomain = domain ?? undefined;
  } else {
    set('domain', domain);
  }
  set('replicas', rest.replicas);
  set('autoscaling', rest.autoscaling);
  set('env', env);
  set('trigger', rest.trigger);
  set('tagPattern', rest.tagPattern);
  set('requiresApproval', rest.requiresApproval);
  const { domain: _domain, environmentSettings, ...fields } = current as Project & { domain?: string };
  const settings = { ...environmentSettings, [environment]: own };
  if (Object.keys(own).length === 0) delete settings[environment];
  return {
    ...fields,
    ...(projectDomain ? { domain: projectDomain } : {}),
    ...(Object.keys(settings).length > 0 ? { environmentSettings: settings } : {}),
    updatedAt: now,
    revision: current.revision + 1,
  } as Project;
}
