import { makeGetProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projectViewPorts } from '../../lib/wiring/project-ports.ts';

const getProject = makeGetProject(projectViewPorts());

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await getProject(identity, path.workspaceId as string, path.projectId as string)),
);
