import { makeGetProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { projects, workspaces } from '../../lib/wiring/table.ts';

const getProject = makeGetProject({ workspaces: workspaces(), projects: projects() });

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await getProject(identity, path.workspaceId as string, path.projectId as string)),
);
