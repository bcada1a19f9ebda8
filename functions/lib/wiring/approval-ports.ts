import type { ApprovalRepository } from '../../../shared/deploy-ports.ts';
import type { ApprovalDeps } from '../../../shared/use-cases/approvals.ts';
import { DynamoApprovals } from '../../adapters/dynamodb/approvals.ts';
import { journal } from './live.ts';
import { port } from './ports.ts';
import { clock } from './system.ts';
import { runs, table, users, workspaces } from './table.ts';
import { workflowEngine } from './workflow.ts';

/** Runs waiting for an owner's approval, with their task tokens (the table). */
export const approvals = port('approvals', (): ApprovalRepository => new DynamoApprovals(table()));

/** What approving and rejecting use: the approval store, the run's journal and the workflow's callbacks. */
export const approvalPorts = (): ApprovalDeps => ({
  workspaces: workspaces(),
  users: users(),
  runs: runs(),
  approvals: approvals(),
  workflow: workflowEngine(),
  journal: journal(),
  clock: clock(),
});
