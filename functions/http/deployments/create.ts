import { deployRequestSchema } from '../../../shared/schemas/deployment.ts';
import { makeRequestDeploy } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';

const requestDeploy = makeRequestDeploy(deployDeps());

export const handler = httpHandler({ body: deployRequestSchema }, async ({ identity, path, body }) => {
  const run = await requestDeploy(identity, path.workspaceId as string, path.projectId as string, body);
  logger.appendKeys({ runId: run.id });
  return json(202, run);
});
