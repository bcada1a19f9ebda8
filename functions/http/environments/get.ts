import { makeGetEnvironment } from '../../../shared/use-cases/environments.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projectViewPorts } from '../../lib/wiring/project-ports.ts';

const getEnvironment = makeGetEnvironment(projectViewPorts());

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(
    200,
    await getEnvironment(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.environment as string,
    ),
  ),
);
