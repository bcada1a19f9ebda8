import { makeFailRun } from '../../shared/use-cases/workflow/fail-run.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { buildService } from '../lib/wiring/build.ts';
import { failureHints } from '../lib/wiring/hints.ts';
import { journal } from '../lib/wiring/live.ts';
import { deployTurns, runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'FailRun',
  makeFailRun({
    runs: runs(),
    turns: deployTurns(),
    build: buildService(),
    journal: journal(),
    hints: failureHints(),
  }),
);
