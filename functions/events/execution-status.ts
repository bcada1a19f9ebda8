import { makeEndOrphanedRun } from '../../shared/use-cases/workflow/end-orphaned-run.ts';
import { executionStatusHandler } from '../lib/event-handler.ts';
import { runEndingPorts } from '../lib/wiring/run-ending-ports.ts';

/**
 * EventBridge: a DeployProject execution FAILED, TIMED_OUT or was ABORTED. When it ended without
 * FailRun (aborted from the console, a timeout, a crashed function), its run ends here with the cause.
 */
export const handler = executionStatusHandler(makeEndOrphanedRun(runEndingPorts()));
