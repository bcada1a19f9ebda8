import { approveRequestSchema } from '../../../shared/schemas/approval.ts';
import { makeApproveRun } from '../../../shared/use-cases/approvals.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { approvalPorts } from '../../lib/wiring/approval-ports.ts';

const approveRun = makeApproveRun(approvalPorts());

export const handler = httpHandler({ body: approveRequestSchema }, async ({ identity, path, body }) =>
  json(
    200,
    await approveRun(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.runId as string,
      body,
    ),
  ),
);
