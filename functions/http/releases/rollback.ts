import { makeRequestRollback } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';

const requestRollback = makeRequestRollback(deployDeps());

export const handler = httpHandler({}, async ({ identity, path }) => {
  const run = await requestRollback(
    identity,
    path.workspaceId as string,
    path.projectId as string,
    path.releaseId as string,
  );
  logger.appendKeys({ runId: run.id });
  return json(202, run);
});
