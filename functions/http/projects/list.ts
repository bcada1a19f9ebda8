import { projectListQuerySchema } from '../../../shared/schemas/query.ts';
import { makeListProjects } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projectViewPorts } from '../../lib/wiring/project-ports.ts';

const listProjects = makeListProjects(projectViewPorts());

export const handler = httpHandler({ query: projectListQuerySchema }, async ({ identity, path, query }) =>
  json(200, await listProjects(identity, path.workspaceId as string, query)),
);
