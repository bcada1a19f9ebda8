import * as z from 'zod';
import { makeUpdateProject } from '../../../shared/use-cases/projects.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const updateProject = makeUpdateProject(deps());

// The body's schema depends on the stored project's type, so the use case validates it.
export const handler = httpHandler({ body: z.unknown() }, async ({ identity, path, body }) =>
  json(200, await updateProject(identity, path.workspaceId as string, path.projectId as string, body)),
);
