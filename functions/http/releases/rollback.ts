import { makeRequestRollback } from '../../../shared/use-cases/deployments.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const requestRollback = makeRequestRollback(deps());

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
