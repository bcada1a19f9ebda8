import { deleteQuerySchema } from '../../../shared/schemas/query.ts';
import { makeDeleteProject } from '../../../shared/use-cases/projects.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const deleteProject = makeDeleteProject(deps());

export const handler = httpHandler({ query: deleteQuerySchema }, async ({ identity, path, query }) => {
  await deleteProject(identity, path.workspaceId as string, path.projectId as string, query.confirm);
  return json(204);
});
