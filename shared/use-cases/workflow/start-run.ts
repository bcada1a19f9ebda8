import { TERMINAL_STATUSES } from '../../deploy.ts';
import type { DeployTurnRepository, RunRepository, WorkflowEngine } from '../../deploy-ports.ts';
import { WorkflowError } from '../../errors.ts';
import type { ProjectRepository } from '../../ports.ts';
import type { RunJournal } from '../run-journal.ts';
import { type DeployTaskFn, WORKFLOW_ERRORS, type WorkflowLimits } from './contract.ts';
import { loadRun, projectOf, supersede } from './run-context.ts';

export interface StartRunPorts {
  runs: RunRepository;
  turns: DeployTurnRepository;
  projects: ProjectRepository;
  workflow: Pick<WorkflowEngine, 'isRunning'>;
  journal: RunJournal;
  limits: Pick<WorkflowLimits, 'turnWaits'>;
}

/**
 * StartRun: take this environment's deploy turn, wait for it, or step aside for a newer deploy. A
 * turn held by a run whose execution ended without finishing is taken over (that run is failed).
 */
export function makeStartRun({ runs, turns, projects, workflow, journal, limits }: StartRunPorts) {
  const startRun: DeployTaskFn<'StartRun'> = async (state) => {
    let run = await loadRun(runs, state);
    const waits = (state.turn?.waits ?? 0) + 1;
    const needsBuild = run.kind === 'deploy' && (await projectOf(projects, run)).type !== 'database';
    const go = async () => {
      if (run.status === 'queued') {
        run = await journal.change(run, {
          status: needsBuild ? 'building' : 'updating_gitops',
          step: needsBuild ? 'build' : 'gitops',
        });
      }
      return { result: 'go' as const, waits, needsBuild };
    };
    // Ended before its execution got here (superseded, cancelled, or failed when starting the
    // execution seemed to fail): nothing to do.
    if (TERMINAL_STATUSES.has(run.status)) return { result: 'superseded', waits, needsBuild };
    if (run.status !== 'queued') return go();

    const env = await turns.getEnvironment(run.projectId, run.environment);
    if (env.activeRunId === run.id) return go();
    // A newer run took the turn between this one's rounds: this one must not deploy older code after it.
    if (env.activeRunId && env.activeRunId > run.id) {
      await supersede(journal, run, env.activeRunId);
      return { result: 'superseded', waits, needsBuild };
    }
    if (env.queuedRunId && env.queuedRunId > run.id) {
      await supersede(journal, run, env.queuedRunId);
      return { result: 'superseded', waits, needsBuild };
    }
    if (env.activeRunId) {
      const active = await runs.get(run.projectId, env.activeRunId);
      const alive =
        active &&
        !TERMINAL_STATUSES.has(active.status) &&
        (!active.executionArn || (await workflow.isRunning(active.executionArn)));
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
        if (await turns.takeTurn(run.projectId, run.environment, run.id, env.activeRunId)) return go();
      } else if (
        env.queuedRunId !== run.id &&
        (await turns.queue(run.projectId, run.environment, run.id, env.queuedRunId))
      ) {
        if (env.queuedRunId) {
          const older = await runs.get(run.projectId, env.queuedRunId);
          if (older?.status === 'queued') await supersede(journal, older, run.id);
        }
        await journal.log(
          run,
          `Waiting for run ${env.activeRunId} to finish: one deploy per environment at a time.`,
        );
      }
    } else if (await turns.takeTurn(run.projectId, run.environment, run.id, undefined)) {
      return go();
    }
    if (waits > limits.turnWaits) {
      throw new WorkflowError(
        WORKFLOW_ERRORS.turnTimedOut,
        `Run ${env.activeRunId ?? 'before this one'} did not finish in time.`,
      );
    }
    return { result: 'wait', waits, needsBuild };
  };
  return startRun;
}
