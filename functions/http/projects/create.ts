import { projectSchemas } from '../../../shared/schemas/project.ts';
import { makeCreateProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { settings } from '../../lib/wiring/ports.ts';
import { projectPorts } from '../../lib/wiring/project-ports.ts';

const createProject = makeCreateProject(projectPorts());

export const handler = httpHandler(
  { body: projectSchemas(settings().mode).create },
  async ({ identity, path, body }) =>
    json(201, await createProject(identity, path.workspaceId as string, body)),
);
