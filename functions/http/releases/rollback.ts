import { makeRequestRollback } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const requestRollback = makeRequestRollback(deployDeps());

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(
    202,
    await requestRollback(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.releaseId as string,
    ),
  ),
);
