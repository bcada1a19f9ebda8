import { logsQuerySchema } from '../../../shared/schemas/deployment.ts';
import { makeGetRunLogs } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const getRunLogs = makeGetRunLogs(deployDeps());

export const handler = httpHandler({ query: logsQuerySchema }, async ({ identity, path, query }) =>
  json(
    200,
    await getRunLogs(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.runId as string,
      query,
    ),
  ),
);
