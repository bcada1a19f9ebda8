import type { ConnectionView, EnvironmentView, ProjectView, ReleaseSummary } from '../api.ts';
import { clientCommand, credentialsOf, databaseHost } from '../databases.ts';
import type { Release } from '../deploy.ts';
import type { DeployTurnRepository, EnvironmentState, ReleaseRepository } from '../deploy-ports.ts';
import type { DatabaseProject, EnvVarView, Project, StoredEnvVar, Workspace } from '../domain.ts';
import { environmentConfig } from '../environments.ts';
import { environmentHost, liveHost } from '../manifests/names.ts';
import { databaseAddress } from '../manifests/render-release.ts';
import { type Environment, workspaceNamespace } from '../naming.ts';
import { localAddress, type Workloads } from './databases.ts';
import { checkDomain, type DomainCheckDeps } from './domain-check.ts';

/** What a project's or an environment's answer needs besides the project: names, and the live state. */
export interface ViewDeps {
  platformDomain: string;
  /** The URL a host is reached at (the local stack maps hosts to its gateway); `https://<host>` otherwise. */
  liveUrl?: ((host: string) => string) | undefined;
  turns: Pick<DeployTurnRepository, 'getEnvironment'>;
  releases: Pick<ReleaseRepository, 'getRelease'>;
  /** The running workloads (local platform): a database's loopback address in the project's own answer. */
  workloads?: Workloads | undefined;
  /** The ingress host custom domains point at, and DNS: each custom domain's `domainCheck`. */
  domains?: DomainCheckDeps | undefined;
}

/**
 * How much live state a view reads: all of it, or none (project lists: a page of 200 projects would
 * otherwise read 400 environment items per request; the project's own answer has it all).
 */
export type LiveState = 'full' | 'none';

export const envVarViews = (env: readonly StoredEnvVar[]): EnvVarView[] =>
  env.map((v) =>
    v.secret ? { name: v.name, secret: true, set: true } : { name: v.name, secret: false, value: v.value },
  );

export function releaseSummary(release: Release): ReleaseSummary {
  const { id, number, kind, image, sourceCommit, commit, createdAt, createdBy, promotedFrom } = release;
  // The project page's status summary names the live commit by its message and author.
  return {
    id,
    number,
    kind,
    image,
    sourceCommit,
    ...(commit ? { commit } : {}),
    createdAt,
    createdBy,
    promotedFrom,
  };
}

/** Where the environment is reached: its host and URL; a database's in-cluster address (not exposed). */
function reachedAt(
  deps: Pick<ViewDeps, 'platformDomain' | 'liveUrl'>,
  project: Project,
  workspace: Workspace,
  environment: Environment,
): Pick<EnvironmentView, 'host' | 'liveUrl' | 'platformUrl'> {
  if (project.type === 'database') {
    const address = databaseAddress(project, workspaceNamespace(workspace, environment));
    return { host: address.host, liveUrl: `${project.engine}://${address.host}:${address.port}` };
  }
  const urlOf = (host: string) => deps.liveUrl?.(host) ?? `https://${host}`;
  const host = environmentHost({ project, workspace, environment, platformDomain: deps.platformDomain });
  const platformHost = liveHost({
    project: { name: project.name },
    workspace,
    environment,
    platformDomain: deps.platformDomain,
  });
  return {
    host,
    liveUrl: urlOf(host),
    ...(platformHost === host ? {} : { platformUrl: urlOf(platformHost) }),
  };
}

async function liveStateOf(
  deps: Pick<ViewDeps, 'turns' | 'releases'>,
  project: Project,
  environment: Environment,
  live: LiveState,
): Promise<Pick<EnvironmentView, 'currentRelease' | 'hold' | 'outOfSync'>> {
  if (live === 'none') return {};
  const state: EnvironmentState = await deps.turns.getEnvironment(project.id, environment);
  const release = state.currentReleaseId
    ? await deps.releases.getRelease(project.id, state.currentReleaseId)
    : undefined;
  return {
    ...(release ? { currentRelease: releaseSummary(release) } : {}),
    ...(state.hold ? { hold: state.hold } : {}),
    ...(state.outOfSync ? { outOfSync: state.outOfSync } : {}),
  };
}

/**
 * How to reach a database environment: in-cluster host and port, user, database, the password's ref
 * and a client command (never the password). With the live state, the loopback address the local
 * platform published it on while it runs.
 */
async function connectionOf(
  deps: Pick<ViewDeps, 'workloads'>,
  project: DatabaseProject,
  workspace: Workspace,
  environment: Environment,
  live: LiveState,
): Promise<ConnectionView> {
  const { host, port } = databaseHost(project, workspace, environment);
  const { user, database, passwordRef } = credentialsOf(project, environment);
  const parts = { engine: project.engine, user, database };
  const local =
    live === 'full' ? await localAddress(deps.workloads, project, workspace, environment) : undefined;
  return {
    engine: project.engine,
    host,
    port,
    database,
    user,
    secretRef: passwordRef,
    command: clientCommand({ ...parts, host, port }),
    ...(local ? { local: { ...local, command: clientCommand({ ...parts, ...local }) } } : {}),
  };
}

/** One environment as the API shows it: effective settings, its own overrides (secrets write-only), live state. */
export async function environmentView(
  deps: ViewDeps,
  project: Project,
  workspace: Workspace,
  environment: Environment,
  live: LiveState = 'full',
): Promise<EnvironmentView> {
  const config = environmentConfig(project, environment);
  return {
    name: environment,
    namespace: workspaceNamespace(workspace, environment),
    ...reachedAt(deps, project, workspace, environment),
    ...(config.domain ? { domain: config.domain } : {}),
    ...(config.replicas !== undefined ? { replicas: config.replicas } : {}),
    ...(config.autoscaling ? { autoscaling: config.autoscaling } : {}),
    env: envVarViews(config.env),
    trigger: config.trigger,
    tagPattern: config.tagPattern,
    requiresApproval: config.requiresApproval,
    ...(await liveStateOf(deps, project, environment, live)),
    ...(config.domain && deps.domains && project.type !== 'database'
      ? { domainCheck: await checkDomain(deps.domains, config.domain, { lookup: live === 'full' }) }
      : {}),
    ...(project.type === 'database'
      ? { connection: await connectionOf(deps, project, workspace, environment, live) }
      : {}),
  };
}

/** A project as the API shows it: secrets write-only, stored settings folded into `pipeline`. */
export async function projectView(
  deps: ViewDeps,
  project: Project,
  workspace: Workspace,
  live: LiveState = 'full',
): Promise<ProjectView> {
  // Credentials hold refs only, but the answer has no use for them: `connection` says what to show.
  const { environmentSettings: _settings, ...rest } = project;
  const { credentials: _credentials, ...fields } = rest as typeof rest & { credentials?: unknown };
  const namespaces = Object.fromEntries(
    project.environments.map((e) => [e, workspaceNamespace(workspace, e)]),
  );
  const pipeline = await Promise.all(
    project.environments.map((e) => environmentView(deps, project, workspace, e, live)),
  );
  return { ...fields, env: envVarViews(project.env), namespaces, pipeline } as ProjectView;
}
