import { makeRecordRelease } from '../../shared/use-cases/workflow/record-release.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { gitopsRepository } from '../lib/wiring/gitops.ts';
import { journal } from '../lib/wiring/live.ts';
import { clock } from '../lib/wiring/system.ts';
import { deployTurns, releases, runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'RecordRelease',
  makeRecordRelease({
    runs: runs(),
    releases: releases(),
    turns: deployTurns(),
    gitops: gitopsRepository(),
    journal: journal(),
    clock: clock(),
  }),
);
