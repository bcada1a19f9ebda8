import type { Release, Run } from '../../deploy.ts';
import type {
  DeployTurnRepository,
  GitOpsChange,
  GitOpsRepository,
  ReleaseRepository,
  SyncService,
} from '../../deploy-ports.ts';
import type { Clock } from '../../ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { appOf, releaseFiles } from './run-context.ts';

export interface RestorePorts {
  turns: Pick<DeployTurnRepository, 'getEnvironment' | 'markOutOfSync'>;
  releases: Pick<ReleaseRepository, 'getRelease'>;
  gitops: Pick<GitOpsRepository, 'commit' | 'readFile'>;
  sync: Pick<SyncService, 'requestSync'>;
  journal: RunJournal;
  clock: Clock;
}

export type Restored =
  | { outcome: 'restored'; release: Release; commit: string }
  | { outcome: 'removed'; commit: string }
  | { outcome: 'nothing_to_restore' }
  | { outcome: 'out_of_sync'; cause: string };

const WHARF = { name: 'Wharf', email: 'wharf@users.wharf.invalid' };

/**
 * Puts the environment's desired state in Git back to its recorded release after `run` failed past
 * its GitOps commit: the release's files again in a new commit (the history shows the revert and
 * why), or, when there is no earlier release, the app's folder removed. The sync is asked for but
 * not awaited (Argo CD also finds the commit by itself). When even that commit cannot be written,
 * the environment is flagged out of sync with the cause, for the next run to reconcile.
 */
export async function restoreDesiredState(
  ports: RestorePorts,
  run: Run,
  { title, why }: { title: (release: Release | undefined) => string; why: string },
): Promise<Restored> {
  const env = await ports.turns.getEnvironment(run.projectId, run.environment);
  const previous = env.currentReleaseId
    ? await ports.releases.getRelease(run.projectId, env.currentReleaseId)
    : undefined;
  const path = run.pendingRelease?.gitopsPath ?? previous?.gitopsPath;
  if (!path) return { outcome: 'nothing_to_restore' };
  const message = `${title(previous)}\n\nRun ${run.id} ${why}`;
  try {
    const change: GitOpsChange = previous
      ? { message, author: WHARF, files: await releaseFiles(ports.gitops, previous) }
      : { message, author: WHARF, files: [], deletePaths: [path] };
    const { commit } = await ports.gitops.commit(change);
    const app = previous
      ? { name: previous.appName, path: previous.gitopsPath, namespace: run.pendingRelease?.namespace ?? '' }
      : run.pendingRelease && appOf(run.pendingRelease);
    if (app) {
      await ports.sync.requestSync(app, commit).catch(async () => {
        await ports.journal.log(
          run,
          '  (the sync could not be requested now; it follows the commit by itself)',
        );
      });
    }
    return previous ? { outcome: 'restored', release: previous, commit } : { outcome: 'removed', commit };
  } catch (error) {
    const cause = `Git still names run ${run.id}'s release: restoring ${previous ? `release ${previous.number}` : 'the earlier state'} failed (${(error as Error).message}). The run had failed: ${why}`;
    await ports.turns.markOutOfSync(run.projectId, run.environment, {
      cause,
      runId: run.id,
      at: ports.clock.now().toISOString(),
    });
    return { outcome: 'out_of_sync', cause };
  }
}
