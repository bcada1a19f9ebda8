import type { CredentialReadView, CredentialsView, RotationView } from '../api.ts';
import {
  connectionString,
  credentialsOf,
  databaseHost,
  databaseNames,
  databaseSecretRefs,
  ENGINE_PORTS,
} from '../databases.ts';
import type { SyncApp, WorkloadStatus } from '../deploy-ports.ts';
import type { DatabaseCredentials, DatabaseProject, Identity, Project, Workspace } from '../domain.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { appName, gitopsPath } from '../manifests/names.ts';
import { type Environment, workspaceNamespace } from '../naming.ts';
import type {
  Clock,
  CredentialAuditRepository,
  ListOptions,
  ProjectRepository,
  SecretStore,
  WorkspaceRepository,
} from '../ports.ts';
import { requireMember } from './access.ts';
import { type DeploymentDeps, deployProject, type StartRunDeps } from './deployments.ts';

/**
 * A database project's credentials: written when the project is created (projects.ts), revealed to
 * members (audited), rotated on request. Values live only in the secret store; the project keeps refs
 * and a version the StatefulSet's pod template carries.
 */

/** The apps' `workloads` (SyncService.workloads): the local platform says where it published a port. */
export type Workloads = (app: SyncApp) => Promise<WorkloadStatus[]>;

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PASSWORD_LENGTH = 32;

/**
 * 32 characters from [A-Za-z0-9]: 32 × log2(62) ≈ 190 random bits. Letters and digits only, so the
 * password needs no escaping in a URL, a shell, a SQL string or a YAML value. Bytes ≥ 248 are
 * rejected (248 = 4 × 62) so every character is equally likely.
 */
export function generatePassword(
  random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b),
) {
  let password = '';
  while (password.length < PASSWORD_LENGTH) {
    for (const byte of random(new Uint8Array(PASSWORD_LENGTH))) {
      if (byte < 248 && password.length < PASSWORD_LENGTH) password += PASSWORD_ALPHABET[byte % 62];
    }
  }
  return password;
}

/** The connection URL apps get (in-cluster host) for a password. */
export function databaseUrl(
  project: Pick<DatabaseProject, 'name' | 'engine'>,
  workspace: Workspace,
  environment: Environment,
  credentials: Pick<DatabaseCredentials, 'user' | 'database'>,
  password: string,
) {
  const { host, port } = databaseHost(project, workspace, environment);
  return connectionString({ engine: project.engine, host, port, password, ...credentials });
}

/**
 * Writes a new password and its connection URL for one environment and answers the credentials to
 * store on the project. The refs are fixed per environment, so a rotation writes new versions of the
 * same secrets and the ExternalSecrets pick them up. Nothing references them until the project write.
 */
export async function writeCredentials(
  secrets: SecretStore,
  project: Pick<DatabaseProject, 'workspaceId' | 'id' | 'name' | 'engine'>,
  workspace: Workspace,
  environment: Environment,
  at: { version: number; rotatedAt: string },
): Promise<DatabaseCredentials> {
  const names = databaseNames(project);
  const refs = databaseSecretRefs(project.workspaceId, project.id, environment);
  const password = generatePassword();
  await secrets.put(refs.passwordRef, password);
  await secrets.put(refs.urlRef, databaseUrl(project, workspace, environment, names, password));
  return { ...names, ...refs, ...at };
}

/** The Argo CD application (and folder, namespace) of a project environment, as the renderer names it. */
export function syncAppOf(project: Project, workspace: Workspace, environment: Environment): SyncApp {
  return {
    name: appName({ workspaceId: project.workspaceId, projectName: project.name, environment }),
    path: gitopsPath({
      workspaceId: project.workspaceId,
      userId: project.createdBy,
      projectName: project.name,
      environment,
    }),
    namespace: workspaceNamespace(workspace, environment),
  };
}

/**
 * Where the local platform published the database's port on this machine, if it runs. A failure to ask
 * only loses this convenience (the in-cluster address is always there), so it is not the answer's error.
 */
export async function localAddress(
  workloads: Workloads | undefined,
  project: DatabaseProject,
  workspace: Workspace,
  environment: Environment,
): Promise<{ host: string; port: number } | undefined> {
  if (!workloads) return undefined;
  const running = await workloads(syncAppOf(project, workspace, environment)).catch(() => []);
  const port = ENGINE_PORTS[project.engine];
  for (const workload of running) {
    const published = workload.local?.find((p) => p.containerPort === port);
    if (published) return { host: published.host, port: published.port };
  }
  return undefined;
}

interface DatabaseAccessDeps {
  workspaces: WorkspaceRepository;
  projects: Pick<ProjectRepository, 'get'>;
}

/** The caller's database project, or the same 404 as for one that does not exist. */
async function databaseProject(
  deps: DatabaseAccessDeps,
  identity: Identity,
  workspaceId: string,
  projectId: string,
): Promise<{ workspace: Workspace; project: DatabaseProject }> {
  // Non-members get the same 404 as for a project that does not exist: ids of other tenants leak nothing.
  const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
  const project = await deps.projects.get(workspaceId, projectId);
  if (!project) throw notFound('project.not_found', `No project ${projectId} in this workspace.`);
  if (project.type !== 'database') {
    throw notFound(
      'credentials.not_a_database',
      `${project.name} is a ${project.type} project; only database projects have credentials.`,
    );
  }
  return { workspace, project };
}

/** The environment asked for, when it is one of the project's. */
function environmentOf(project: DatabaseProject, requested: string | undefined): Environment {
  if (requested === undefined || !(project.environments as string[]).includes(requested)) {
    throw invalid(
      requested === undefined ? 'request.invalid' : 'credentials.unknown_environment',
      `environment ${requested === undefined ? 'is required and ' : ''}must be one of the project's environments (${project.environments.join(', ')})`,
      'environment',
    );
  }
  return requested as Environment;
}

export interface CredentialDeps extends DatabaseAccessDeps {
  secrets: Pick<SecretStore, 'get'>;
  audit: Pick<CredentialAuditRepository, 'record'>;
  clock: Clock;
  /** Local platform: the running workloads, for the loopback address (`localUrl`). */
  workloads?: Workloads | undefined;
}

/**
 * `GET …/credentials?environment=`: the password and the ready URLs, to members only. The read is
 * recorded before the answer leaves, so there is no read without its audit entry.
 */
export function makeRevealCredentials(deps: CredentialDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    requested: string | undefined,
  ): Promise<CredentialsView> => {
    const { workspace, project } = await databaseProject(deps, identity, workspaceId, projectId);
    const environment = environmentOf(project, requested);
    const credentials = credentialsOf(project, environment);
    const password = await deps.secrets.get(credentials.passwordRef);
    if (password === undefined) {
      throw conflict(
        'credentials.missing',
        `The password of ${project.name} (${environment}) is not in the secret store; rotate the credentials to write new ones.`,
      );
    }
    const local = await localAddress(deps.workloads, project, workspace, environment);
    const at = deps.clock.now().toISOString();
    await deps.audit.record({ workspaceId, projectId, environment, userId: identity.userId, at });
    const parts = {
      engine: project.engine,
      user: credentials.user,
      database: credentials.database,
      password,
    };
    return {
      environment,
      engine: project.engine,
      user: credentials.user,
      database: credentials.database,
      password,
      url: databaseUrl(project, workspace, environment, credentials, password),
      ...(local ? { localUrl: connectionString({ ...parts, ...local }) } : {}),
      version: credentials.version,
      ...(project.credentials?.[environment]
        ? { rotatedAt: project.credentials[environment]?.rotatedAt }
        : {}),
    };
  };
}

/** `GET …/credentials/reads`: who read the credentials, newest first. */
export function makeListCredentialReads(
  deps: DatabaseAccessDeps & { audit: Pick<CredentialAuditRepository, 'list'> },
) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    page: ListOptions,
  ): Promise<{ items: CredentialReadView[]; nextCursor?: string | undefined }> => {
    await databaseProject(deps, identity, workspaceId, projectId);
    const result = await deps.audit.list(workspaceId, projectId, page);
    return {
      items: result.items.map(({ environment, userId, at }) => ({ environment, userId, at })),
      ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
    };
  };
}

export type RotateDeps = DatabaseAccessDeps &
  StartRunDeps & {
    projects: Pick<ProjectRepository, 'get' | 'update'>;
    secrets: SecretStore;
    turns: Pick<DeploymentDeps['turns'], 'getEnvironment'>;
  };

/**
 * `POST …/credentials/rotate`: new versions of the password and URL secrets, `version + 1` on the
 * project (a conditional write), then, when the environment runs a release, a deploy of the database
 * so its pods restart with the new password (the version is on the pod template). A database from
 * before per-environment credentials gets its own here, version 1.
 */
export function makeRotateCredentials(deps: RotateDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    request: { environment?: string | undefined },
  ): Promise<RotationView> => {
    const { workspace, project } = await databaseProject(deps, identity, workspaceId, projectId);
    const environment = environmentOf(project, request.environment);
    const current = project.credentials?.[environment];
    const refs = databaseSecretRefs(workspaceId, projectId, environment);
    // What to put back if the project write loses a race: the secrets must keep matching the version.
    const previous = current
      ? { password: await deps.secrets.get(refs.passwordRef), url: await deps.secrets.get(refs.urlRef) }
      : undefined;
    const now = deps.clock.now().toISOString();
    const credentials = await writeCredentials(deps.secrets, project, workspace, environment, {
      version: (current?.version ?? 0) + 1,
      rotatedAt: now,
    });
    const next: DatabaseProject = {
      ...project,
      credentials: { ...project.credentials, [environment]: credentials },
      updatedAt: now,
      revision: project.revision + 1,
    };
    try {
      await deps.projects.update(next);
    } catch (error) {
      await restoreSecrets(deps.secrets, refs, previous);
      throw error;
    }
    const state = await deps.turns.getEnvironment(projectId, environment);
    const run = state.currentReleaseId
      ? await deployProject(deps, next, { environment }, { userId: identity.userId, trigger: 'user' })
      : undefined;
    return {
      environment,
      version: credentials.version,
      rotatedAt: credentials.rotatedAt,
      ...(run ? { runId: run.id } : {}),
    };
  };
}

/** Puts the previous values back (or removes secrets that did not exist before). Best effort. */
async function restoreSecrets(
  secrets: SecretStore,
  refs: { passwordRef: string; urlRef: string },
  previous: { password?: string | undefined; url?: string | undefined } | undefined,
) {
  const restore = (ref: string, value: string | undefined) =>
    value === undefined ? secrets.delete(ref) : secrets.put(ref, value);
  await Promise.allSettled([
    restore(refs.passwordRef, previous?.password),
    restore(refs.urlRef, previous?.url),
  ]);
}
