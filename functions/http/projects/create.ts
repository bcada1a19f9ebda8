import { projectSchemas } from '../../../shared/schemas/project.ts';
import { makeCreateProject } from '../../../shared/use-cases/projects.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const createProject = makeCreateProject(deps());

export const handler = httpHandler(
  { body: projectSchemas(deps().mode).create },
  async ({ identity, path, body }) =>
    json(201, await createProject(identity, path.workspaceId as string, body)),
);
