import { makeGetRun } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const getRun = makeGetRun(deployDeps());

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(
    200,
    await getRun(identity, path.workspaceId as string, path.projectId as string, path.runId as string),
  ),
);
