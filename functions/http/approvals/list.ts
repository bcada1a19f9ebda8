import { makeListApprovals } from '../../../shared/use-cases/approvals.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { approvals } from '../../lib/wiring/approval-ports.ts';
import { runs, workspaces } from '../../lib/wiring/table.ts';

const listApprovals = makeListApprovals({
  workspaces: workspaces(),
  approvals: approvals(),
  runs: runs(),
});

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await listApprovals(identity, path.workspaceId as string)),
);
