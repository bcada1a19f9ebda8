import { updateEnvironmentSchema } from '../../../shared/schemas/environment.ts';
import { makeUpdateEnvironment } from '../../../shared/use-cases/environments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projectPorts } from '../../lib/wiring/project-ports.ts';

const updateEnvironment = makeUpdateEnvironment(projectPorts());

export const handler = httpHandler({ body: updateEnvironmentSchema }, async ({ identity, path, body }) =>
  json(
    200,
    await updateEnvironment(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.environment as string,
      body,
    ),
  ),
);
