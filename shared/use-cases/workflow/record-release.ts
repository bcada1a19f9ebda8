import { knownCommit } from '../../commit-info.ts';
import type { Release } from '../../deploy.ts';
import type {
  DeployTurnRepository,
  GitOpsRepository,
  ReleaseRepository,
  RunRepository,
} from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import type { Clock } from '../../ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS } from './contract.ts';
import { loadRun } from './run-context.ts';

export interface RecordReleasePorts {
  runs: RunRepository;
  releases: Pick<ReleaseRepository, 'recordRelease'>;
  /** A user's rollback holds its environment's auto-deploy. */
  turns: Pick<DeployTurnRepository, 'setHold'>;
  gitops: Pick<GitOpsRepository, 'links'>;
  journal: RunJournal;
  clock: Clock;
}

/** Only the links the repository has (none for the local one): stored items carry no empty fields. */
const gitopsLinks = (links: { commitUrl?: string | undefined; diffUrl?: string | undefined }) => ({
  ...(links.commitUrl ? { gitopsCommitUrl: links.commitUrl } : {}),
  ...(links.diffUrl ? { gitopsDiffUrl: links.diffUrl } : {}),
});

/** Only a commit it knows: stored items carry no empty fields. */
const withCommit = (commit: Release['commit']) => (commit ? { commit } : {});

/**
 * RecordRelease: the immutable release, numbered, as the environment's current one. A rollback a
 * user asked for also puts a hold on the environment, so the next push or tag does not undo it.
 */
export function makeRecordRelease({ runs, releases, turns, gitops, journal, clock }: RecordReleasePorts) {
  const recordRelease: DeployTaskFn<'RecordRelease'> = async (state) => {
    const run = await loadRun(runs, state);
    const pending = run.pendingRelease;
    if (!pending || !run.gitopsCommit || !run.image)
      throw new WorkflowError(WORKFLOW_ERRORS.noCommit, 'Nothing to record.');
    const release = await releases.recordRelease({
      id: pending.id,
      number: pending.number,
      workspaceId: run.workspaceId,
      projectId: run.projectId,
      environment: run.environment,
      runId: run.id,
      kind: run.kind,
      rollbackOf: pending.rollbackOf,
      promotedFrom: pending.promotedFrom,
      reason: pending.reason ?? run.reason,
      image: run.image,
      images: run.images,
      sourceCommit: run.sourceCommit,
      ...withCommit(knownCommit(run.commit, run.sourceCommit)),
      values: pending.values,
      envNames: pending.envNames,
      gitopsCommit: run.gitopsCommit,
      ...gitopsLinks(gitops.links(run.gitopsCommit)),
      gitopsPath: pending.gitopsPath,
      appName: pending.appName,
      liveUrl: pending.liveUrl,
      createdBy: run.requestedBy,
      createdAt: clock.now().toISOString(),
    });
    if (run.kind === 'rollback' && run.trigger === 'user') {
      // Set again on a retry: the same hold, so idempotent.
      await turns.setHold(run.projectId, run.environment, {
        by: run.requestedBy,
        at: release.createdAt,
        runId: run.id,
        // The release the environment was rolled back to (the hold reads "rolled back to release N").
        releaseId: release.rollbackOf ?? release.id,
        ...(run.reason ? { reason: run.reason } : {}),
      });
      if (run.releaseId !== release.id)
        await journal.log(
          run,
          `Auto-deploy of ${run.environment} is on hold after this rollback: resume it to deploy pushes again.`,
        );
    }
    if (run.releaseId !== release.id) await journal.change(run, { set: { releaseId: release.id } });
    return { releaseId: release.id, number: release.number };
  };
  return recordRelease;
}
