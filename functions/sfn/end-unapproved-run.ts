import { makeEndUnapprovedRun } from '../../shared/use-cases/workflow/end-unapproved-run.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { approvals } from '../lib/wiring/approval-ports.ts';
import { journal } from '../lib/wiring/live.ts';
import { runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'EndUnapprovedRun',
  makeEndUnapprovedRun({ runs: runs(), approvals: approvals(), journal: journal() }),
);
