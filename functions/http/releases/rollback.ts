import { rollbackRequestSchema } from '../../../shared/schemas/deployment.ts';
import { makeRequestRollback } from '../../../shared/use-cases/deployments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';
import { journal } from '../../lib/wiring/live.ts';
import { clock, ids } from '../../lib/wiring/system.ts';
import { deployTurns, projects, releases, runLogs, runs, workspaces } from '../../lib/wiring/table.ts';
import { workflowEngine } from '../../lib/wiring/workflow.ts';

const requestRollback = makeRequestRollback({
  workspaces: workspaces(),
  projects: projects(),
  runs: runs(),
  turns: deployTurns(),
  releases: releases(),
  logs: runLogs(),
  workflow: workflowEngine(),
  journal: journal(),
  ids: ids(),
  clock: clock(),
});

// No body and `{}` are the same request: the reason is optional.
export const handler = httpHandler({ body: rollbackRequestSchema }, async ({ identity, path, body }) => {
  const run = await requestRollback(
    identity,
    path.workspaceId as string,
    path.projectId as string,
    path.releaseId as string,
    body,
  );
  logger.appendKeys({ runId: run.id });
  return json(202, run);
});
