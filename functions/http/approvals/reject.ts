import { rejectRequestSchema } from '../../../shared/schemas/approval.ts';
import { makeRejectRun } from '../../../shared/use-cases/approvals.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { approvalPorts } from '../../lib/wiring/approval-ports.ts';

const rejectRun = makeRejectRun(approvalPorts());

export const handler = httpHandler({ body: rejectRequestSchema }, async ({ identity, path, body }) =>
  json(
    200,
    await rejectRun(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.runId as string,
      body,
    ),
  ),
);
