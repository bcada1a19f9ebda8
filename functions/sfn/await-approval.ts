import { makeAwaitApproval } from '../../shared/use-cases/workflow/await-approval.ts';
import { sfnCallbackTask } from '../lib/sfn-handler.ts';
import { approvals } from '../lib/wiring/approval-ports.ts';
import { journal } from '../lib/wiring/live.ts';
import { clock } from '../lib/wiring/system.ts';
import { runs, workspaces } from '../lib/wiring/table.ts';

export const handler = sfnCallbackTask(
  'AwaitApproval',
  makeAwaitApproval({
    runs: runs(),
    workspaces: workspaces(),
    approvals: approvals(),
    journal: journal(),
    clock: clock(),
  }),
);
