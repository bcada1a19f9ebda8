import { makeFinishRun } from '../../shared/use-cases/workflow/finish-run.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { journal } from '../lib/wiring/live.ts';
import { deployTurns, runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'FinishRun',
  makeFinishRun({ runs: runs(), turns: deployTurns(), journal: journal() }),
);
