import { TERMINAL_STATUSES } from '../../deploy.ts';
import type { DeployTurnRepository, RunRepository } from '../../deploy-ports.ts';
import { workspaceBootstrapFile } from '../../manifests/index.ts';
import { operatorBootstrapCommand } from '../workspace-bootstrap.ts';
import type { DeployTaskFn } from './contract.ts';
import { type RestorePorts, restoreDesiredState } from './restore-desired-state.ts';
import { finishTurn, loadRun } from './run-context.ts';

export interface RollBackToPreviousPorts extends RestorePorts {
  runs: RunRepository;
  turns: RestorePorts['turns'] & Pick<DeployTurnRepository, 'releaseTurn'>;
}

/**
 * RollBackToPrevious: after a failed rollout, commit the environment's current release again, so
 * what runs is what ran before. A first release that fails is removed from Git and the run fails.
 */
/**
 * What to change when the rollout failed its readiness probe, from the sync system's words (the local
 * reconciler's `GET /ready on :3000 → 404`, `nothing listens on :3000 — the app printed …`): the
 * project setting to fix, for a link to it.
 */
export function readinessFix(reason: string): { text: string; field: string } | undefined {
  const refused = /nothing listens on :(\d+) — the app printed/.exec(reason);
  if (refused)
    return {
      text: `Make the app listen on the port in $PORT (${refused[1]}), or set the project's port to the one it printed`,
      field: 'port',
    };
  const answered = /GET (\S+) on :\d+ → (\d{3})\b/.exec(reason);
  if (answered)
    return {
      text: `Make ${answered[1]} answer with a 2xx or 3xx status (it answered ${answered[2]}), or set the health check path to one the app serves`,
      field: 'healthCheckPath',
    };
  return undefined;
}

export function makeRollBackToPrevious(ports: RollBackToPreviousPorts) {
  const { runs, turns, journal } = ports;
  const rollBackToPrevious: DeployTaskFn<'RollBackToPrevious'> = async (state) => {
    let run = await loadRun(runs, state);
    if (TERMINAL_STATUSES.has(run.status)) {
      await finishTurn(turns, run);
      return { result: run.status === 'rolled_back' ? 'rolled_back' : 'failed' };
    }
    const reason = state.sync?.message ?? 'The rollout did not become healthy.';
    const fix = readinessFix(reason);
    run = await journal.change(run, { step: 'rollback', endStep: 'failed' });
    await journal.log(run, `✖ ${reason}`);
    const restored = await restoreDesiredState(ports, run, {
      title: (previous) =>
        previous
          ? `Roll back ${run.projectName} (${run.environment}) to release ${previous.number}`
          : `Remove ${run.projectName} (${run.environment}): its first release failed its rollout`,
      why: `failed its rollout: ${reason}`,
    });
    if (restored.outcome === 'restored') {
      const { release, commit } = restored;
      await journal.log(
        run,
        `↩ Rolled back to release ${release.number} (${release.image.reference}): ${commit.slice(0, 12)}`,
      );
      await journal.change(run, {
        status: 'rolled_back',
        endStep: 'succeeded',
        set: {
          failureReason: reason,
          hint: `Release ${release.number} is live again. ${fix ? fix.text : 'Fix the problem (the log below shows it)'}, then deploy again.`,
          ...(fix ? { hintField: fix.field } : {}),
        },
      });
      await finishTurn(turns, run);
      return { result: 'rolled_back' };
    }
    // A first release Argo CD never made an app of, or whose workspace file is not in its commit:
    // the workspace's AppProject is missing, which no change to the app would fix.
    const bootstrapPath = workspaceBootstrapFile(run.workspaceId);
    const notBootstrapped =
      state.sync?.seen?.endsWith(', Missing') === true ||
      (run.gitopsCommit !== undefined &&
        (await ports.gitops.readFile(run.gitopsCommit, bootstrapPath)) === undefined);
    if (restored.outcome === 'out_of_sync') await journal.log(run, `✖ ${restored.cause}`);
    else
      await journal.log(
        run,
        'There is no earlier release to roll back to: this one was removed from GitOps.',
      );
    await journal.change(run, {
      status: 'failed',
      endStep: 'failed',
      set: {
        failureReason: reason,
        hint:
          restored.outcome === 'out_of_sync'
            ? "The environment is out of sync: Git still names this run's release. The next deploy or rollback puts it right."
            : notBootstrapped
              ? `Argo CD has no project for workspace ${run.workspaceId} (${bootstrapPath}): a platform problem, not your app. ` +
                `An operator should check that the Argo CD app wharf-bootstrap has synced bootstrap/, or write the file with ` +
                `${operatorBootstrapCommand({ id: run.workspaceId, name: '<workspace name>' })} and push it; then deploy again.`
              : `This was the first release: ${fix ? fix.text.replace(/^./, (c) => c.toLowerCase()) : 'fix the app (the log below shows why)'}, then deploy again.`,
        ...(fix && restored.outcome !== 'out_of_sync' && !notBootstrapped ? { hintField: fix.field } : {}),
      },
    });
    await finishTurn(turns, run);
    return { result: 'failed' };
  };
  return rollBackToPrevious;
}
