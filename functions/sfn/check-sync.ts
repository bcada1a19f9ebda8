import { makeCheckSync } from '../../shared/use-cases/workflow/check-sync.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { gitopsRepository } from '../lib/wiring/gitops.ts';
import { journal } from '../lib/wiring/live.ts';
import { syncService } from '../lib/wiring/sync.ts';
import { runs } from '../lib/wiring/table.ts';
import { workflowLimits } from '../lib/wiring/workflow.ts';

export const handler = sfnTask(
  'CheckSync',
  makeCheckSync({
    runs: runs(),
    sync: syncService(),
    gitops: gitopsRepository(),
    journal: journal(),
    limits: workflowLimits(),
  }),
);
