import {
  type ImageRef,
  type PendingRelease,
  type Release,
  type Run,
  TERMINAL_STATUSES,
} from '../../deploy.ts';
import type {
  DeployTurnRepository,
  GitOpsFile,
  GitOpsRepository,
  ReleaseRepository,
  RunRepository,
} from '../../deploy-ports.ts';
import { DomainError, WorkflowError } from '../../errors.ts';
import { type BootstrapTarget, renderRelease } from '../../manifests/index.ts';
import { RELEASE_FILE } from '../../manifests/names.ts';
import type { PlatformConfig } from '../../manifests/types.ts';
import type { ProjectRepository, UserRepository, WorkspaceRepository } from '../../ports.ts';
import { loadBoundDatabases } from '../bound-databases.ts';
import { CANCELLED_ERROR } from '../cancel-run.ts';
import type { RunJournal } from '../run-journal.ts';
import { missingWorkspaceBootstrap } from '../workspace-bootstrap.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { loadRun, projectOf, releaseFiles, releaseIdFor } from './run-context.ts';

export interface CommitDesiredStatePorts {
  runs: RunRepository;
  turns: Pick<DeployTurnRepository, 'allocateReleaseNumber'>;
  releases: Pick<ReleaseRepository, 'getRelease'>;
  projects: ProjectRepository;
  workspaces: WorkspaceRepository;
  users: UserRepository;
  gitops: Pick<GitOpsRepository, 'commit' | 'readFile' | 'head'>;
  journal: RunJournal;
  platform: PlatformConfig;
  /** Where Argo CD reads the repository, for a workspace bootstrap file written with a release. */
  bootstrap: BootstrapTarget;
}

/** A binding names a database that is gone: the run fails with the message, nothing is committed. */
export const BOUND_DATABASE_GONE = 'BoundDatabaseGone';
/** A bound database has no credentials for the environment yet (renderRelease's `release.database_not_ready`). */
export const BOUND_DATABASE_NOT_READY = 'BoundDatabaseNotReady';

/** Renders, turning a binding the renderer refuses into a workflow error the run ends with. */
function renderWithDatabases<T>(render: () => T): T {
  try {
    return render();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'release.database_not_ready')
      throw new WorkflowError(BOUND_DATABASE_NOT_READY, error.message);
    throw error;
  }
}

interface Desired {
  files: GitOpsFile[];
  pending: PendingRelease;
  image: ImageRef | undefined;
  images: Run['images'];
  sourceCommit: string | undefined;
  message: string;
}

/**
 * CommitDesiredState: one GitOps commit with the release's files. A deploy renders them from the
 * project and the built image; a promotion renders the target environment's files from the project
 * and the source release's image (never rebuilt); a rollback re-commits an earlier release's files as
 * a new release.
 * When the workspace's bootstrap file (its AppProject and namespaces) is not at the head, it goes in
 * the same commit: Argo CD can't create an app whose project does not exist.
 */
export function makeCommitDesiredState(ports: CommitDesiredStatePorts) {
  const { runs, turns, releases, gitops, journal } = ports;

  async function author(run: Run) {
    const user = run.trigger === 'webhook' ? undefined : await ports.users.get(run.requestedBy);
    return {
      name: user?.name ?? user?.username ?? run.requestedBy,
      email: user?.email ?? `${run.requestedBy.replace(/[^A-Za-z0-9._-]/g, '-')}@users.wharf.invalid`,
    };
  }

  async function rollbackFiles(run: Run, identity: { id: string; number: number }): Promise<Desired> {
    const target = run.targetReleaseId
      ? await releases.getRelease(run.projectId, run.targetReleaseId)
      : undefined;
    if (!target)
      throw new WorkflowError(
        WORKFLOW_ERRORS.releaseNotFound,
        `Release ${run.targetReleaseId} no longer exists.`,
      );
    const old = await releaseFiles(gitops, target);
    const files = old.map((f) => {
      if (!f.path.endsWith(`/${RELEASE_FILE}`)) return f;
      const json = JSON.parse(f.content) as Record<string, unknown>;
      return {
        path: f.path,
        content: `${JSON.stringify({ ...json, releaseId: identity.id, releaseNumber: identity.number, runId: run.id, rollbackOf: target.id }, null, 2)}\n`,
      };
    });
    await journal.log(run, `Restoring release ${target.number} (${target.image.reference}) without a build`);
    return {
      files,
      pending: {
        id: identity.id,
        number: identity.number,
        gitopsPath: target.gitopsPath,
        appName: target.appName,
        namespace: (JSON.parse(old[0]?.content ?? '{}') as { namespace?: string }).namespace ?? '',
        values: target.values,
        envNames: target.envNames,
        liveUrl: target.liveUrl,
        rollbackOf: target.id,
        ...(run.reason ? { reason: run.reason } : {}),
      },
      // A rollback runs what the target release was built from.
      image: target.image,
      images: target.images,
      sourceCommit: target.sourceCommit,
      message: `Roll back ${run.projectName} (${run.environment}) to release ${target.number}\n\n${run.reason ? `Reason: ${run.reason}\n\n` : ''}Release ${identity.number}, run ${run.id}, by ${run.requestedBy}.`,
    };
  }

  /**
   * The environment's files rendered from the project's current configuration for it and `built`:
   * a deploy's own build (or a database's engine image), or a promotion's source release.
   */
  async function renderedFiles(
    run: Run,
    identity: { id: string; number: number; runId: string },
    promoted?: Release,
  ): Promise<Desired> {
    const project = await projectOf(ports.projects, run);
    const workspace = await ports.workspaces.get(run.workspaceId);
    if (!workspace) throw new WorkflowError(WORKFLOW_ERRORS.projectGone, 'The workspace no longer exists.');
    const dbImage =
      project.type === 'database'
        ? { reference: `${project.engine}:${project.version}`, digest: '' }
        : undefined;
    const built = promoted
      ? { image: promoted.image, images: promoted.images, sourceCommit: promoted.sourceCommit }
      : { image: run.image ?? dbImage, images: run.images, sourceCommit: run.sourceCommit };
    const { image, images } = built;
    if (!image) throw new WorkflowError(WORKFLOW_ERRORS.noImage, 'There is no image to deploy.');
    const databases = await loadBoundDatabases(
      ports.projects,
      project,
      (message) => new WorkflowError(BOUND_DATABASE_GONE, message),
    );
    const rendered = renderWithDatabases(() =>
      renderRelease({
        workspace,
        project,
        environment: run.environment,
        release: identity,
        image,
        images,
        databases,
        platform: ports.platform,
      }),
    );
    const imageText = `${image.reference}${image.digest ? `@${image.digest}` : ''}`;
    const promotedFrom = promoted && {
      releaseId: promoted.id,
      environment: promoted.environment,
      number: promoted.number,
    };
    return {
      files: rendered.files,
      pending: {
        id: identity.id,
        number: identity.number,
        gitopsPath: rendered.path,
        appName: rendered.appName,
        namespace: rendered.namespace,
        values: rendered.values,
        envNames: rendered.envNames,
        liveUrl: rendered.liveUrl,
        ...(promotedFrom ? { promotedFrom } : {}),
      },
      image,
      images,
      sourceCommit: built.sourceCommit,
      message: promotedFrom
        ? `Promote ${run.projectName} release ${promotedFrom.number} from ${promotedFrom.environment} to ${run.environment}\n\nRelease ${identity.number} of ${run.environment}, image ${imageText} (not rebuilt), run ${run.id}, by ${run.requestedBy}.`
        : `Deploy ${run.projectName} (${run.environment}) release ${identity.number}\n\nImage ${imageText}, run ${run.id}, by ${run.requestedBy}.`,
    };
  }

  /** A promotion's source release: the image it runs comes from there, never from a build. */
  async function promotionSource(run: Run): Promise<Release> {
    const source = run.targetReleaseId
      ? await releases.getRelease(run.projectId, run.targetReleaseId)
      : undefined;
    if (!source)
      throw new WorkflowError(
        WORKFLOW_ERRORS.releaseNotFound,
        `Release ${run.targetReleaseId} no longer exists.`,
      );
    await journal.log(
      run,
      `Promoting release ${source.number} of ${source.environment} (${source.image.reference}) to ${run.environment} without a build`,
    );
    return source;
  }

  const commitDesiredState: DeployTaskFn<'CommitDesiredState'> = async (state) => {
    let run = await loadRun(runs, state);
    if (run.gitopsCommit && run.pendingRelease) {
      return {
        commit: run.gitopsCommit,
        releaseId: run.pendingRelease.id,
        number: run.pendingRelease.number,
      };
    }
    if (run.status === 'building') run = await journal.change(run, { status: 'pushing', step: 'push' });
    if (run.status !== 'updating_gitops')
      run = await journal.change(run, { status: 'updating_gitops', step: 'gitops' });
    // Taken now, before the commit names it: if this run fails later, its number stays used.
    const number = await turns.allocateReleaseNumber(run.projectId, run.environment, run.id);
    const identity = { id: releaseIdFor(run.id), number, runId: run.id };
    const desired =
      run.kind === 'rollback'
        ? await rollbackFiles(run, identity)
        : run.kind === 'promote'
          ? await renderedFiles(run, identity, await promotionSource(run))
          : await renderedFiles(run, identity);
    const { pending, image, images, sourceCommit } = desired;
    const workspace = await ports.workspaces.get(run.workspaceId);
    const bootstrap = workspace
      ? await missingWorkspaceBootstrap({ gitops, target: ports.bootstrap }, workspace)
      : [];
    for (const file of bootstrap) {
      await journal.log(
        run,
        `Writing the workspace's Argo CD project and namespaces with this release (${file.path})`,
      );
    }
    // A Cancel that came while the files were rendered: its execution is being stopped, and a commit
    // now could land after the run's ending restored Git, leaving the cancelled release there.
    const latest = await runs.get(run.projectId, run.id);
    if (latest?.cancellation || (latest && TERMINAL_STATUSES.has(latest.status))) {
      throw new WorkflowError(CANCELLED_ERROR, `Run ${run.id} was cancelled before its GitOps commit.`);
    }
    const { commit } = await gitops.commit({
      message: desired.message,
      author: await author(run),
      files: [...bootstrap, ...desired.files],
    });
    await journal.change(run, {
      set: { gitopsCommit: commit, pendingRelease: pending, image, images, sourceCommit },
    });
    await journal.log(
      run,
      `✔ Committed release ${identity.number} to GitOps: ${commit.slice(0, 12)} (${pending.gitopsPath})`,
    );
    return { commit, releaseId: identity.id, number: identity.number };
  };
  return commitDesiredState;
}
