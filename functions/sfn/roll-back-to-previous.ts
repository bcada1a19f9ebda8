import { makeRollBackToPrevious } from '../../shared/use-cases/workflow/roll-back-to-previous.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { gitopsRepository } from '../lib/wiring/gitops.ts';
import { journal } from '../lib/wiring/live.ts';
import { syncService } from '../lib/wiring/sync.ts';
import { clock } from '../lib/wiring/system.ts';
import { deployTurns, releases, runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'RollBackToPrevious',
  makeRollBackToPrevious({
    runs: runs(),
    turns: deployTurns(),
    releases: releases(),
    gitops: gitopsRepository(),
    sync: syncService(),
    journal: journal(),
    clock: clock(),
  }),
);
