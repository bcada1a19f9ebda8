import { runEndingPorts } from '../../functions/lib/wiring/run-ending-ports.ts';
import { runs } from '../../functions/lib/wiring/table.ts';
import { workflowEngine } from '../../functions/lib/wiring/workflow.ts';
import { makeEndOrphanedRun, PLATFORM_RESTARTED } from '../../shared/use-cases/workflow/end-orphaned-run.ts';

/**
 * The local stand-in for the execution-status rule (no stuck run): when the platform starts, every
 * unfinished run whose execution is not running any more — after `kill -9` or a crash, none is — ends
 * with "platform restarted", through the same use case as events/execution-status in AWS: its build
 * is stopped, Git is restored if it was past its commit, and its environment's turn is freed.
 * Call it once the table, the Step Functions endpoint and the settings are up, before the apps start.
 */
export async function endRunsOfLostExecutions(): Promise<string[]> {
  const endOrphanedRun = makeEndOrphanedRun(runEndingPorts());
  const ended: string[] = [];
  for (const key of await runs().unfinished()) {
    try {
      const run = await runs().get(key.projectId, key.runId);
      if (run?.executionArn && (await workflowEngine().isRunning(run.executionArn))) continue;
      await endOrphanedRun(key, PLATFORM_RESTARTED);
      ended.push(key.runId);
    } catch (error) {
      console.warn(`Run ${key.runId} could not be ended after the restart: ${(error as Error).message}`);
    }
  }
  return ended;
}
