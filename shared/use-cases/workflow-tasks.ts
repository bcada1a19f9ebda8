import type { ImageRef, PendingRelease, Release, Run } from '../deploy.ts';
import { TERMINAL_STATUSES } from '../deploy.ts';
import type {
  BuildService,
  GitOpsFile,
  GitOpsRepository,
  RunRepository,
  SyncApp,
  SyncService,
  WorkflowEngine,
  WorkflowInput,
} from '../deploy-ports.ts';
import type { Project } from '../domain.ts';
import { renderRelease } from '../manifests/index.ts';
import { MANIFESTS_FILE, RELEASE_FILE, VALUES_FILE } from '../manifests/names.ts';
import type { PlatformConfig } from '../manifests/types.ts';
import type { Clock, ProjectRepository, UserRepository, WorkspaceRepository } from '../ports.ts';
import type { RunJournal } from './run-journal.ts';

/**
 * The DeployProject workflow's tasks. Each is idempotent (Step Functions may run a task twice) and
 * bounded (loops count their attempts). Errors carry a `name` the state machine's Retry/Catch match:
 * `TransientError` is retried; anything else goes to FailRun with the message as the run's reason.
 */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface WorkflowLimits {
  /** WaitForTurn rounds before giving up on the previous run. */
  turnWaits: number;
  /** PollBuild rounds before the build is cancelled as too slow. */
  buildPolls: number;
  /** CheckSync rounds before the rollout counts as failed. */
  syncChecks: number;
}

export interface WorkflowDeps {
  runs: RunRepository;
  projects: ProjectRepository;
  workspaces: WorkspaceRepository;
  users: UserRepository;
  build: BuildService;
  gitops: GitOpsRepository;
  sync: SyncService;
  workflow: WorkflowEngine;
  journal: RunJournal;
  clock: Clock;
  platform: PlatformConfig & { imageRegistry: string };
  limits: WorkflowLimits;
}

/** The execution's state as the tasks see it: the input plus what earlier tasks returned. */
export interface DeployState extends WorkflowInput {
  turn?: { result: 'go' | 'wait' | 'superseded'; waits: number; needsBuild: boolean };
  build?: { buildId: string; offset: string | null; polls: number; state: string };
  gitops?: { commit: string; releaseId: string; number: number };
  sync?: { state: 'waiting' | 'synced' | 'degraded'; checks: number; seen?: string; message?: string };
  release?: { releaseId: string; number: number };
  rollback?: { result: 'rolled_back' | 'failed' };
  error?: { Error?: string; Cause?: string };
}

/** CheckSync re-requests the sync every this many checks while the app is not at the commit. */
const RESYNC_EVERY = 6;
const releaseIdFor = (runId: string) => `l${runId.slice(1)}`;

/** Only the links the repository has (none for the local one): stored items carry no empty fields. */
const gitopsLinks = (links: { commitUrl?: string | undefined; diffUrl?: string | undefined }) => ({
  ...(links.commitUrl ? { gitopsCommitUrl: links.commitUrl } : {}),
  ...(links.diffUrl ? { gitopsDiffUrl: links.diffUrl } : {}),
});

const HINTS: Record<string, string> = {
  BuildFailed: 'Fix the build (the log shows the failing command) and deploy again.',
  BuildTimedOut: 'The build took longer than allowed. Make it faster or ask an operator to raise the limit.',
  TurnTimedOut: 'An earlier run of this environment never finished. Check it, then deploy again.',
  ProjectGone: 'The project was deleted while this run was in progress.',
  'States.Timeout':
    'A step took too long. Deploy again; if it keeps happening, check the workflow execution.',
  TransientError: 'A delivery system stayed unavailable through every retry. Deploy again in a few minutes.',
  JenkinsCredentialsRejected:
    "Jenkins refused Wharf's credentials: an operator should check the Jenkins user and its API token.",
  JenkinsNotFound:
    'The Jenkins job Wharf builds with is missing: an operator should create it from infra/jenkins/Jenkinsfile.',
  GitHubUnauthorized:
    "GitHub refused Wharf's credentials: an operator should check the GitHub App's key or the token.",
  GitHubForbidden:
    'Wharf may not write the GitOps repository: an operator should grant Contents: read and write on it.',
  GitHubNotFound:
    'The GitOps repository is missing or hidden from Wharf: an operator should check its name and access.',
  GitOpsRepositoryNotReady:
    'The GitOps repository has no branch to commit to yet: an operator should bootstrap it (see the README).',
  ArgoCdUnauthorized:
    "Argo CD refused Wharf's token: an operator should check the token and its rights to get and sync apps.",
  JenkinsBadResponse:
    'Jenkins answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
  GitHubResponseInvalid:
    'GitHub answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
  ArgoCdInvalidResponse:
    'Argo CD answered in a form Wharf does not understand. Deploy again; tell an operator if it repeats.',
};

/** Turns a Step Functions error (Lambda error JSON in Cause, or plain text) into a reason a user reads. */
export function reasonFrom(error: DeployState['error']): { reason: string; hint: string } {
  const name = error?.Error ?? 'Error';
  let message = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // plain-text cause
  }
  return {
    reason: message || name,
    hint: HINTS[name] ?? 'Check the log; if the cause is not clear, open the workflow execution.',
  };
}

export function makeWorkflowTasks(deps: WorkflowDeps) {
  const { runs, journal } = deps;

  async function load(state: WorkflowInput): Promise<Run> {
    const run = await runs.get(state.projectId, state.runId);
    if (!run) throw new WorkflowError('RunNotFound', `Run ${state.runId} does not exist.`);
    return run;
  }

  async function projectOf(run: Run): Promise<Project> {
    const project = await deps.projects.get(run.workspaceId, run.projectId, { includeDeleted: true });
    if (!project || project.deletedAt)
      throw new WorkflowError('ProjectGone', `Project ${run.projectName} was deleted.`);
    return project;
  }

  /** The app at `revision` is what `commit` wrote: the same commit, or a later one that left its release.json alone. */
  const runsRelease = async (revision: string | undefined, commit: string, pending: PendingRelease) => {
    if (!revision) return false;
    if (revision === commit) return true;
    const path = `${pending.gitopsPath}/${RELEASE_FILE}`;
    const [there, ours] = await Promise.all([
      deps.gitops.readFile(revision, path),
      deps.gitops.readFile(commit, path),
    ]);
    return there !== undefined && there === ours;
  };
  const appOf = (p: Pick<PendingRelease, 'appName' | 'gitopsPath' | 'namespace'>): SyncApp => ({
    name: p.appName,
    path: p.gitopsPath,
    namespace: p.namespace,
  });

  async function supersede(run: Run, by: string) {
    await journal.log(run, `Superseded by the newer deploy ${by}, which will run instead.`);
    await journal
      .change(run, {
        status: 'superseded',
        endStep: 'skipped',
        set: { failureReason: `Superseded by run ${by}.` },
      })
      .catch(() => undefined);
  }

  async function author(run: Run) {
    const user = run.trigger === 'webhook' ? undefined : await deps.users.get(run.requestedBy);
    return {
      name: user?.name ?? user?.username ?? run.requestedBy,
      email: user?.email ?? `${run.requestedBy.replace(/[^A-Za-z0-9._-]/g, '-')}@users.wharf.invalid`,
    };
  }

  /** Reads a release's three files from the commit that made it. */
  async function releaseFiles(release: Release): Promise<GitOpsFile[]> {
    const files: GitOpsFile[] = [];
    for (const name of [RELEASE_FILE, VALUES_FILE, MANIFESTS_FILE]) {
      const path = `${release.gitopsPath}/${name}`;
      const content = await deps.gitops.readFile(release.gitopsCommit, path);
      if (content === undefined) {
        throw new WorkflowError(
          'ReleaseUnreadable',
          `${path} is missing at ${release.gitopsCommit.slice(0, 12)}.`,
        );
      }
      files.push({ path, content });
    }
    return files;
  }

  async function finishTurn(run: Run) {
    await runs.releaseTurn(run.projectId, run.environment, run.id);
  }

  return {
    /** StartRun: take this environment's deploy turn, wait for it, or step aside for a newer deploy. */
    async startRun(state: DeployState): Promise<NonNullable<DeployState['turn']>> {
      let run = await load(state);
      const waits = (state.turn?.waits ?? 0) + 1;
      const needsBuild = run.kind === 'deploy' && (await projectOf(run)).type !== 'database';
      const go = async () => {
        if (run.status === 'queued') {
          run = await journal.change(run, {
            status: needsBuild ? 'building' : 'updating_gitops',
            step: needsBuild ? 'build' : 'gitops',
          });
        }
        return { result: 'go' as const, waits, needsBuild };
      };
      if (run.status === 'superseded' || run.status === 'cancelled')
        return { result: 'superseded', waits, needsBuild };
      if (run.status !== 'queued') return go();

      const env = await runs.getEnvironment(run.projectId, run.environment);
      if (env.activeRunId === run.id) return go();
      if (env.queuedRunId && env.queuedRunId > run.id) {
        await supersede(run, env.queuedRunId);
        return { result: 'superseded', waits, needsBuild };
      }
      if (env.activeRunId) {
        const active = await runs.get(run.projectId, env.activeRunId);
        const alive =
          active &&
          !TERMINAL_STATUSES.has(active.status) &&
          (!active.executionArn || (await deps.workflow.isRunning(active.executionArn)));
        if (!alive) {
          if (active && !TERMINAL_STATUSES.has(active.status)) {
            await journal
              .change(active, {
                status: 'failed',
                endStep: 'failed',
                set: { failureReason: 'Its workflow execution ended without finishing the run.' },
              })
              .catch(() => undefined);
          }
          if (await runs.takeTurn(run.projectId, run.environment, run.id, env.activeRunId)) return go();
        } else {
          if (
            env.queuedRunId !== run.id &&
            (await runs.queue(run.projectId, run.environment, run.id, env.queuedRunId))
          ) {
            if (env.queuedRunId) {
              const older = await runs.get(run.projectId, env.queuedRunId);
              if (older?.status === 'queued') await supersede(older, run.id);
            }
            await journal.log(
              run,
              `Waiting for run ${env.activeRunId} to finish: one deploy per environment at a time.`,
            );
          }
        }
      } else if (await runs.takeTurn(run.projectId, run.environment, run.id, undefined)) {
        return go();
      }
      if (waits > deps.limits.turnWaits) {
        throw new WorkflowError(
          'TurnTimedOut',
          `Run ${env.activeRunId ?? 'before this one'} did not finish in time.`,
        );
      }
      return { result: 'wait', waits, needsBuild };
    },

    /** TriggerBuild: hand the source to the build service. */
    async triggerBuild(state: DeployState): Promise<NonNullable<DeployState['build']>> {
      const run = await load(state);
      const project = await projectOf(run);
      if (project.type === 'database' || !run.source)
        throw new WorkflowError('NothingToBuild', 'This project has no source to build.');
      const { buildId } = await deps.build.start({
        runId: run.id,
        workspaceId: run.workspaceId,
        projectId: run.projectId,
        projectName: run.projectName,
        environment: run.environment,
        projectType: project.type,
        repository: { url: run.source.repositoryUrl, branch: run.source.branch },
        commit: run.source.commit,
        imageRepository: `${deps.platform.imageRegistry}/${run.workspaceId}/${run.projectName}`,
        ...(project.type === 'microservices'
          ? { services: project.services.map(({ name, path, port }) => ({ name, path, port })) }
          : { port: project.port }),
      });
      if (run.buildId !== buildId) {
        await journal.change(run, { set: { buildId } });
        await journal.log(
          run,
          `▶ Build ${buildId} started for ${run.source.repositoryUrl} (${run.source.branch})`,
        );
      }
      return { buildId, offset: null, polls: 0, state: 'running' };
    },

    /** PollBuild: copy new log lines into the run's log, follow the phase, and report the outcome. */
    async pollBuild(state: DeployState): Promise<NonNullable<DeployState['build']>> {
      const previous = state.build;
      if (!previous) throw new WorkflowError('NoBuild', 'PollBuild ran before TriggerBuild.');
      let run = await load(state);
      const progress = await deps.build.poll(previous.buildId, previous.offset ?? undefined);
      if (progress.lines.length > 0) await journal.log(run, progress.lines, 'build');
      if (progress.phase === 'push' && run.status === 'building') {
        run = await journal.change(run, { status: 'pushing', step: 'push' });
      }
      const polls = previous.polls + 1;
      const next = { buildId: previous.buildId, offset: progress.nextOffset, polls, state: progress.state };
      if (progress.state === 'succeeded') {
        if (!progress.image)
          throw new WorkflowError('BuildFailed', 'The build finished without recording an image.');
        await journal.change(run, {
          set: { image: progress.image, images: progress.images, sourceCommit: progress.sourceCommit },
        });
        await journal.log(
          run,
          `✔ Image ${progress.image.reference} (${progress.image.digest.slice(0, 19)}…)`,
        );
        return next;
      }
      if (progress.state === 'failed' || progress.state === 'cancelled') {
        throw new WorkflowError(
          'BuildFailed',
          progress.reason ?? `The build ${progress.state === 'failed' ? 'failed' : 'was cancelled'}.`,
        );
      }
      if (polls >= deps.limits.buildPolls) {
        await deps.build.cancel(previous.buildId);
        throw new WorkflowError(
          'BuildTimedOut',
          `The build did not finish within ${polls} checks and was cancelled.`,
        );
      }
      return next;
    },

    /** CommitDesiredState: one GitOps commit with the release's files (a rollback re-commits an old release). */
    async commitDesiredState(state: DeployState): Promise<NonNullable<DeployState['gitops']>> {
      let run = await load(state);
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
      const project = await projectOf(run);
      const workspace = await deps.workspaces.get(run.workspaceId);
      if (!workspace) throw new WorkflowError('ProjectGone', 'The workspace no longer exists.');
      const env = await runs.getEnvironment(run.projectId, run.environment);
      const identity = { id: releaseIdFor(run.id), number: env.releaseCount + 1, runId: run.id };

      let files: GitOpsFile[];
      let pending: PendingRelease;
      let image: ImageRef | undefined = run.image;
      let images = run.images;
      // A rollback runs what the target release was built from.
      let sourceCommit = run.sourceCommit;
      let message: string;
      if (run.kind === 'rollback') {
        const target = run.targetReleaseId
          ? await runs.getRelease(run.projectId, run.targetReleaseId)
          : undefined;
        if (!target)
          throw new WorkflowError('ReleaseNotFound', `Release ${run.targetReleaseId} no longer exists.`);
        const old = await releaseFiles(target);
        files = old.map((f) => {
          if (!f.path.endsWith(`/${RELEASE_FILE}`)) return f;
          const json = JSON.parse(f.content) as Record<string, unknown>;
          return {
            path: f.path,
            content: `${JSON.stringify({ ...json, releaseId: identity.id, releaseNumber: identity.number, runId: run.id, rollbackOf: target.id }, null, 2)}\n`,
          };
        });
        pending = {
          id: identity.id,
          number: identity.number,
          gitopsPath: target.gitopsPath,
          appName: target.appName,
          namespace: (JSON.parse(old[0]?.content ?? '{}') as { namespace?: string }).namespace ?? '',
          values: target.values,
          envNames: target.envNames,
          liveUrl: target.liveUrl,
          rollbackOf: target.id,
        };
        image = target.image;
        images = target.images;
        sourceCommit = target.sourceCommit;
        message = `Roll back ${run.projectName} (${run.environment}) to release ${target.number}\n\nRelease ${identity.number}, run ${run.id}, by ${run.requestedBy}.`;
        await journal.log(
          run,
          `Restoring release ${target.number} (${target.image.reference}) without a build`,
        );
      } else {
        const dbImage =
          project.type === 'database'
            ? { reference: `${project.engine}:${project.version}`, digest: '' }
            : undefined;
        image = image ?? dbImage;
        if (!image) throw new WorkflowError('NoImage', 'There is no image to deploy.');
        const rendered = renderRelease({
          workspace,
          project,
          environment: run.environment,
          release: identity,
          image,
          images,
          platform: deps.platform,
        });
        files = rendered.files;
        pending = {
          id: identity.id,
          number: identity.number,
          gitopsPath: rendered.path,
          appName: rendered.appName,
          namespace: rendered.namespace,
          values: rendered.values,
          envNames: rendered.envNames,
          liveUrl: rendered.liveUrl,
        };
        message = `Deploy ${run.projectName} (${run.environment}) release ${identity.number}\n\nImage ${image.reference}${image.digest ? `@${image.digest}` : ''}, run ${run.id}, by ${run.requestedBy}.`;
      }
      const { commit } = await deps.gitops.commit({ message, author: await author(run), files });
      await journal.change(run, {
        set: { gitopsCommit: commit, pendingRelease: pending, image, images, sourceCommit },
      });
      await journal.log(
        run,
        `✔ Committed release ${identity.number} to GitOps: ${commit.slice(0, 12)} (${pending.gitopsPath})`,
      );
      return { commit, releaseId: identity.id, number: identity.number };
    },

    /** RequestSync: ask the sync service to apply exactly that commit. */
    async requestSync(state: DeployState): Promise<Record<string, never>> {
      const run = await load(state);
      const { pendingRelease: pending, gitopsCommit: commit } = run;
      if (!pending || !commit) throw new WorkflowError('NoCommit', 'Nothing was committed to sync.');
      if (run.status !== 'syncing') await journal.change(run, { status: 'syncing', step: 'sync' });
      await deps.sync.requestSync(appOf(pending), commit);
      await journal.log(
        run,
        `▶ Waiting for ${pending.appName} to sync to ${commit.slice(0, 12)} and become healthy`,
      );
      return {};
    },

    /**
     * CheckSync: done only when the app runs exactly this commit, Synced and Healthy. Argo CD reports
     * the branch head it synced to, which moves on when another project commits; a later revision
     * that still has this release's release.json for the app counts as this commit.
     */
    async checkSync(state: DeployState): Promise<NonNullable<DeployState['sync']>> {
      const run = await load(state);
      if (!run.pendingRelease || !run.gitopsCommit)
        throw new WorkflowError('NoCommit', 'Nothing was committed to sync.');
      const status = await deps.sync.status(appOf(run.pendingRelease));
      const checks = (state.sync?.checks ?? 0) + 1;
      const atCommit = await runsRelease(status.revision, run.gitopsCommit, run.pendingRelease);
      const seen = `${atCommit ? 'at commit' : `at ${status.revision?.slice(0, 12) ?? 'no revision'}`}, ${status.sync}, ${status.health}`;
      if (seen !== state.sync?.seen) {
        await journal.log(run, `  sync: ${seen}${status.message ? ` — ${status.message}` : ''}`);
      }
      if (atCommit && status.sync === 'Synced' && status.health === 'Healthy')
        return { state: 'synced', checks, seen };
      if (
        atCommit &&
        (status.health === 'Degraded' || status.health === 'Missing' || status.operationFailed)
      ) {
        return { state: 'degraded', checks, seen, message: status.message ?? `The app is ${status.health}.` };
      }
      // Still not at the commit: ask again now and then (a sync requested while an older operation
      // ran is not queued by Argo CD; a refresh is cheap and idempotent).
      if (!atCommit && checks % RESYNC_EVERY === 0) {
        await deps.sync.requestSync(appOf(run.pendingRelease), run.gitopsCommit);
      }
      if (checks >= deps.limits.syncChecks) {
        return {
          state: 'degraded',
          checks,
          seen,
          message: `The app did not become synced and healthy in time (last seen: ${seen}${status.message ? `; ${status.message}` : ''}).`,
        };
      }
      return { state: 'waiting', checks, seen };
    },

    /** RecordRelease: the immutable release, numbered, as the environment's current one. */
    async recordRelease(state: DeployState): Promise<{ releaseId: string; number: number }> {
      const run = await load(state);
      const pending = run.pendingRelease;
      if (!pending || !run.gitopsCommit || !run.image)
        throw new WorkflowError('NoCommit', 'Nothing to record.');
      const release = await runs.recordRelease({
        id: pending.id,
        number: pending.number,
        workspaceId: run.workspaceId,
        projectId: run.projectId,
        environment: run.environment,
        runId: run.id,
        kind: run.kind,
        rollbackOf: pending.rollbackOf,
        image: run.image,
        images: run.images,
        sourceCommit: run.sourceCommit,
        values: pending.values,
        envNames: pending.envNames,
        gitopsCommit: run.gitopsCommit,
        ...gitopsLinks(deps.gitops.links(run.gitopsCommit)),
        gitopsPath: pending.gitopsPath,
        appName: pending.appName,
        liveUrl: pending.liveUrl,
        createdBy: run.requestedBy,
        createdAt: deps.clock.now().toISOString(),
      });
      if (run.releaseId !== release.id) await journal.change(run, { set: { releaseId: release.id } });
      return { releaseId: release.id, number: release.number };
    },

    /** FinishRun: deployed; the environment's turn passes on. */
    async finishRun(state: DeployState): Promise<Record<string, never>> {
      let run = await load(state);
      if (run.status !== 'deployed') {
        run = await journal.change(run, { status: 'deployed', endStep: 'succeeded' });
        const url = run.pendingRelease?.liveUrl;
        await journal.log(run, `✔ Deployed release ${run.pendingRelease?.number}${url ? `: ${url}` : ''}`);
      }
      await finishTurn(run);
      return {};
    },

    /**
     * RollBackToPrevious: after a failed rollout, commit the environment's current release again, so
     * what runs is what ran before. Without an earlier release the run simply fails.
     */
    async rollBackToPrevious(state: DeployState): Promise<{ result: 'rolled_back' | 'failed' }> {
      let run = await load(state);
      if (TERMINAL_STATUSES.has(run.status)) {
        await finishTurn(run);
        return { result: run.status === 'rolled_back' ? 'rolled_back' : 'failed' };
      }
      const reason = state.sync?.message ?? 'The rollout did not become healthy.';
      const env = await runs.getEnvironment(run.projectId, run.environment);
      const previous = env.currentReleaseId
        ? await runs.getRelease(run.projectId, env.currentReleaseId)
        : undefined;
      if (!previous) {
        await journal.log(run, `✖ ${reason} There is no earlier release to roll back to.`);
        await journal.change(run, {
          status: 'failed',
          endStep: 'failed',
          set: {
            failureReason: reason,
            hint: 'This was the first release: fix the app (see the log) and deploy again.',
          },
        });
        await finishTurn(run);
        return { result: 'failed' };
      }
      run = await journal.change(run, { step: 'rollback', endStep: 'failed' });
      await journal.log(run, `✖ ${reason}`);
      await journal.log(run, `↩ Rolling back to release ${previous.number} (${previous.image.reference})`);
      const { commit } = await deps.gitops.commit({
        message: `Roll back ${run.projectName} (${run.environment}) to release ${previous.number}\n\nRun ${run.id} failed its rollout: ${reason}`,
        author: { name: 'Wharf', email: 'wharf@users.wharf.invalid' },
        files: await releaseFiles(previous),
      });
      await deps.sync.requestSync(
        { name: previous.appName, path: previous.gitopsPath, namespace: run.pendingRelease?.namespace ?? '' },
        commit,
      );
      await journal.log(run, `✔ Release ${previous.number} committed again: ${commit.slice(0, 12)}`);
      await journal.change(run, {
        status: 'rolled_back',
        endStep: 'succeeded',
        set: {
          failureReason: reason,
          hint: `Release ${previous.number} is live again. Fix the problem (see the log) and deploy again.`,
        },
      });
      await finishTurn(run);
      return { result: 'rolled_back' };
    },

    /** FailRun: every failure path ends here; the run ends failed with the reason, the turn passes on. */
    async failRun(state: DeployState): Promise<Record<string, never>> {
      const run = await load(state);
      if (!TERMINAL_STATUSES.has(run.status)) {
        const { reason, hint } = reasonFrom(state.error);
        if (run.buildId && (run.status === 'building' || run.status === 'pushing')) {
          await deps.build.cancel(run.buildId).catch(() => undefined);
        }
        await journal.log(run, `✖ ${reason}`);
        await journal.change(run, {
          status: 'failed',
          endStep: 'failed',
          set: { failureReason: reason, hint },
        });
      }
      await finishTurn(run);
      return {};
    },
  };
}

export type WorkflowTasks = ReturnType<typeof makeWorkflowTasks>;
