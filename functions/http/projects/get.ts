import { makeGetProject } from '../../../shared/use-cases/projects.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const getProject = makeGetProject(deps());

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await getProject(identity, path.workspaceId as string, path.projectId as string)),
);
