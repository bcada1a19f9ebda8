import { makeFailRun } from '../../shared/use-cases/workflow/fail-run.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { buildService } from '../lib/wiring/build.ts';
import { gitopsRepository } from '../lib/wiring/gitops.ts';
import { failureHints } from '../lib/wiring/hints.ts';
import { journal } from '../lib/wiring/live.ts';
import { syncService } from '../lib/wiring/sync.ts';
import { clock } from '../lib/wiring/system.ts';
import { deployTurns, releases, runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'FailRun',
  makeFailRun({
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
