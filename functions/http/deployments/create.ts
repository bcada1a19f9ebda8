import { deployRequestSchema } from '../../../shared/schemas/deployment.ts';
import { makeRequestDeploy } from '../../../shared/use-cases/deployments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';
import { journal } from '../../lib/wiring/live.ts';
import { clock, ids } from '../../lib/wiring/system.ts';
import { projects, runs, workspaces } from '../../lib/wiring/table.ts';
import { workflowEngine } from '../../lib/wiring/workflow.ts';

const requestDeploy = makeRequestDeploy({
  workspaces: workspaces(),
  projects: projects(),
  runs: runs(),
  workflow: workflowEngine(),
  journal: journal(),
  ids: ids(),
  clock: clock(),
});

export const handler = httpHandler({ body: deployRequestSchema }, async ({ identity, path, body }) => {
  const run = await requestDeploy(identity, path.workspaceId as string, path.projectId as string, body);
  logger.appendKeys({ runId: run.id });
  return json(202, run);
});
