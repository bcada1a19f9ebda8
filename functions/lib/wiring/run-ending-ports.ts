import type { FailRunPorts } from '../../../shared/use-cases/workflow/fail-run.ts';
import { buildService } from './build.ts';
import { gitopsRepository } from './gitops.ts';
import { failureHints } from './hints.ts';
import { journal } from './live.ts';
import { syncService } from './sync.ts';
import { clock } from './system.ts';
import { deployTurns, releases, runs } from './table.ts';

/**
 * What ending a failed run takes (FailRun, the execution-status rule, the local start-up sweep): the
 * run and its turn, the build to stop, and Git and the sync to put the recorded release back.
 */
export const runEndingPorts = (): FailRunPorts => ({
  runs: runs(),
  turns: deployTurns(),
  releases: releases(),
  build: buildService(),
  gitops: gitopsRepository(),
  sync: syncService(),
  journal: journal(),
  clock: clock(),
  hints: failureHints(),
});
