import { deployRequestSchema } from '../../../shared/schemas/deployment.ts';
import { makeRequestDeploy } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const requestDeploy = makeRequestDeploy(deployDeps());

export const handler = httpHandler({ body: deployRequestSchema }, async ({ identity, path, body }) =>
  json(202, await requestDeploy(identity, path.workspaceId as string, path.projectId as string, body)),
);
