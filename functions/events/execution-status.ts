import { makeEndOrphanedRun } from '../../shared/use-cases/workflow/end-orphaned-run.ts';
import { executionStatusHandler } from '../lib/event-handler.ts';
import { buildService } from '../lib/wiring/build.ts';
import { gitopsRepository } from '../lib/wiring/gitops.ts';
import { failureHints } from '../lib/wiring/hints.ts';
import { journal } from '../lib/wiring/live.ts';
import { syncService } from '../lib/wiring/sync.ts';
import { clock } from '../lib/wiring/system.ts';
import { deployTurns, releases, runs } from '../lib/wiring/table.ts';

/**
 * EventBridge: a DeployProject execution FAILED, TIMED_OUT or was ABORTED. When it ended without
 * FailRun (aborted from the console, a timeout, a crashed function), its run ends here with the cause.
 */
export const handler = executionStatusHandler(
  makeEndOrphanedRun({
    runs: runs(),
    turns: deployTurns(),
    releases: releases(),
    build: buildService(),
    gitops: gitopsRepository(),
    sync: syncService(),
    journal: journal(),
    clock: clock(),
    hints: failureHints(),
  }),
);
