import { releasesQuerySchema } from '../../../shared/schemas/deployment.ts';
import { makeListReleases } from '../../../shared/use-cases/deployments.ts';
import { deployDeps } from '../../lib/deploy-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const listReleases = makeListReleases(deployDeps());

export const handler = httpHandler({ query: releasesQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listReleases(identity, path.workspaceId as string, path.projectId as string, query)),
);
