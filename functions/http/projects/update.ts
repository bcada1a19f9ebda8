import * as z from 'zod';
import { makeUpdateProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projectPorts } from '../../lib/wiring/project-ports.ts';

const updateProject = makeUpdateProject(projectPorts());

// The body's schema depends on the stored project's type, so the use case validates it.
export const handler = httpHandler({ body: z.unknown() }, async ({ identity, path, body }) =>
  json(200, await updateProject(identity, path.workspaceId as string, path.projectId as string, body)),
);
