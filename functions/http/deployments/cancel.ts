import { cancelRequestSchema } from '../../../shared/schemas/cancel.ts';
import { makeCancelRun } from '../../../shared/use-cases/cancel-run.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { approvals } from '../../lib/wiring/approval-ports.ts';
import { journal } from '../../lib/wiring/live.ts';
import { clock } from '../../lib/wiring/system.ts';
import { deployTurns, runs, workspaces } from '../../lib/wiring/table.ts';
import { workflowEngine } from '../../lib/wiring/workflow.ts';

const cancelRun = makeCancelRun({
  workspaces: workspaces(),
  runs: runs(),
  turns: deployTurns(),
  approvals: approvals(),
  workflow: workflowEngine(),
  journal: journal(),
  clock: clock(),
});

export const handler = httpHandler({ body: cancelRequestSchema }, async ({ identity, path, body }) =>
  json(
    200,
    await cancelRun(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.runId as string,
      body,
    ),
  ),
);
