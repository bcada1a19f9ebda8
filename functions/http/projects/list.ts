import { pageQuerySchema } from '../../../shared/schemas/query.ts';
import { makeListProjects } from '../../../shared/use-cases/projects.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const listProjects = makeListProjects(deps());

export const handler = httpHandler({ query: pageQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listProjects(identity, path.workspaceId as string, query)),
);
