import '../../lib/delivery/github.ts';
import { deleteQuerySchema } from '../../../shared/schemas/query.ts';
import { makeDeleteProject } from '../../../shared/use-cases/projects.ts';
import { deliveryDeps } from '../../lib/delivery-deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const deleteProject = makeDeleteProject(deliveryDeps());

export const handler = httpHandler({ query: deleteQuerySchema }, async ({ identity, path, query }) => {
  await deleteProject(identity, path.workspaceId as string, path.projectId as string, query.confirm);
  return json(204);
});
