import { pageQuerySchema } from '../../../shared/schemas/query.ts';
import { makeListRuns } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const listRuns = makeListRuns(deployDeps());

export const handler = httpHandler({ query: pageQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listRuns(identity, path.workspaceId as string, path.projectId as string, query)),
);
