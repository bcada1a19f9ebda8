import { pageQuerySchema } from '../../../shared/schemas/query.ts';
import { makeListProjects } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projects, workspaces } from '../../lib/wiring/table.ts';

const listProjects = makeListProjects({ workspaces: workspaces(), projects: projects() });

export const handler = httpHandler({ query: pageQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listProjects(identity, path.workspaceId as string, query)),
);
