import type { BackupView } from '../api.ts';
import type { DeployTurnRepository, ReleaseRepository, SyncApp, SyncService } from '../deploy-ports.ts';
import type { DatabaseProject, Identity, Project, Workspace } from '../domain.ts';
import { conflict, notFound } from '../errors.ts';
import { dnsLabel, type Environment, workspaceNamespace } from '../naming.ts';
import type { BackupStore, Clock, ProjectRepository, StoredBackup, WorkspaceRepository } from '../ports.ts';
import { requireMember } from './access.ts';

/**
 * Backups of database projects. Only production is backed up (its manifests carry the backup CronJob,
 * staging's do not); the CronJob writes the dumps to the platform's backup store, and these use cases
 * list them, start the CronJob now, and take a last one before a database is deleted.
 */

export const BACKUP_ENVIRONMENT: Environment = 'production';

/** The backup CronJob's name in the rendered manifests: `<project>-backup`. */
export const backupCronJobName = (project: Pick<Project, 'name'>) => dnsLabel([project.name, 'backup']);

/** `POST …/backups`: the backup Job was started; it shows in the list when its dump is complete. */
export interface BackupRequestView {
  environment: Environment;
  cronJob: string;
  requestedAt: string;
}

export interface BackupDeps {
  workspaces: WorkspaceRepository;
  projects: ProjectRepository;
  backups: BackupStore;
  turns: Pick<DeployTurnRepository, 'getEnvironment'>;
  releases: Pick<ReleaseRepository, 'getRelease'>;
  sync: Pick<SyncService, 'runCronJob'>;
  clock: Clock;
}

async function requireDatabase(
  deps: Pick<BackupDeps, 'workspaces' | 'projects'>,
  identity: Identity,
  workspaceId: string,
  projectId: string,
): Promise<{ workspace: Workspace; project: DatabaseProject }> {
  const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
  const project = await deps.projects.get(workspaceId, projectId);
  if (!project) throw notFound('project.not_found', `No project ${projectId} in this workspace.`);
  if (project.type !== 'database') {
    throw notFound(
      'backup.not_a_database',
      `${project.name} is a ${project.type} project; only database projects have backups.`,
    );
  }
  return { workspace, project };
}

const viewOf = (backups: Pick<BackupStore, 'location'>, stored: StoredBackup): BackupView => ({
  id: stored.key.slice(stored.key.lastIndexOf('/') + 1),
  environment: BACKUP_ENVIRONMENT,
  createdAt: stored.createdAt,
  sizeBytes: stored.sizeBytes,
  location: backups.location(stored.key),
});

/** `GET …/backups`: production's backups, newest first (members only; databases only). */
export function makeListBackups(deps: Pick<BackupDeps, 'workspaces' | 'projects' | 'backups'>) {
  return async (identity: Identity, workspaceId: string, projectId: string) => {
    const { project } = await requireDatabase(deps, identity, workspaceId, projectId);
    const stored = await deps.backups.list(workspaceId, project.id, BACKUP_ENVIRONMENT);
    return { items: stored.map((b) => viewOf(deps.backups, b)) };
  };
}

/** The Argo CD app running production, from its current release; undefined when never deployed. */
async function productionApp(
  deps: Pick<BackupDeps, 'turns' | 'releases'>,
  workspace: Workspace,
  project: DatabaseProject,
): Promise<SyncApp | undefined> {
  if (!project.environments.includes(BACKUP_ENVIRONMENT)) return undefined;
  const state = await deps.turns.getEnvironment(project.id, BACKUP_ENVIRONMENT);
  if (!state.currentReleaseId) return undefined;
  const release = await deps.releases.getRelease(project.id, state.currentReleaseId);
  if (!release) return undefined;
  return {
    name: release.appName,
    path: release.gitopsPath,
    namespace: workspaceNamespace(workspace, BACKUP_ENVIRONMENT),
  };
}

async function startBackup(deps: Pick<BackupDeps, 'sync'>, app: SyncApp, project: DatabaseProject) {
  await deps.sync.runCronJob(app, backupCronJobName(project));
}

/** `POST …/backups`: runs production's backup CronJob now (409 while production was never deployed). */
export function makeBackUpNow(deps: Omit<BackupDeps, 'backups'>) {
  return async (identity: Identity, workspaceId: string, projectId: string): Promise<BackupRequestView> => {
    const { workspace, project } = await requireDatabase(deps, identity, workspaceId, projectId);
    const app = await productionApp(deps, workspace, project);
    if (!app) {
      throw conflict(
        'backup.not_deployed',
        `${project.name} has no production release yet, so there is nothing to back up: deploy production first.`,
      );
    }
    await startBackup(deps, app, project);
    return {
      environment: BACKUP_ENVIRONMENT,
      cronJob: backupCronJobName(project),
      requestedAt: deps.clock.now().toISOString(),
    };
  };
}

export interface FinalBackupOptions {
  /** How long to wait for the dump to appear in the store; default 60 s. */
  timeoutMs?: number | undefined;
  /** How often to look; default 2 s. */
  pollMs?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * What the project delete use case calls before deleting: for a database whose production runs, back
 * it up now and wait until the new dump is in the store, so deleting never loses the last data. Other
 * projects, a database never deployed, and `finalBackup: false` go straight on. A dump that does not
 * appear in time refuses the delete (409) with what to do; nothing is deleted then.
 */
export function makeFinalBackup(deps: Omit<BackupDeps, 'clock'>, options: FinalBackupOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 2_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async (_identity: Identity, project: Project, { finalBackup }: { finalBackup: boolean }) => {
    if (project.type !== 'database' || !finalBackup) return;
    const workspace = await deps.workspaces.get(project.workspaceId);
    if (!workspace) return;
    const app = await productionApp(deps, workspace, project);
    if (!app) return;
    const list = () => deps.backups.list(project.workspaceId, project.id, BACKUP_ENVIRONMENT);
    const before = new Set((await list()).map((b) => b.key));
    const refuse = (why: string, cause?: unknown) =>
      Object.assign(
        conflict(
          'project.final_backup_failed',
          `${project.name} was not deleted: its final backup ${why}. Retry the delete, or add ?finalBackup=false to delete it without a final backup.`,
        ),
        cause === undefined ? {} : { cause },
      );
    try {
      await startBackup(deps, app, project);
    } catch (error) {
      throw refuse('could not be started', error);
    }
    // Waited out by attempts, not the clock: the store is read at least once after the Job starts.
    for (let waited = 0; waited <= timeoutMs; waited += pollMs) {
      if ((await list()).some((b) => !before.has(b.key))) return;
      if (waited + pollMs <= timeoutMs) await sleep(pollMs);
      else break;
    }
    throw refuse(`did not appear in the backup store within ${Math.round(timeoutMs / 1000)} s`);
  };
}
