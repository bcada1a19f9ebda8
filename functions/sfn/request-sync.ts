import { makeRequestSync } from '../../shared/use-cases/workflow/request-sync.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { journal } from '../lib/wiring/live.ts';
import { syncService } from '../lib/wiring/sync.ts';
import { runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'RequestSync',
  makeRequestSync({ runs: runs(), sync: syncService(), journal: journal() }),
);
