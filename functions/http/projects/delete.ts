import { deleteQuerySchema } from '../../../shared/schemas/query.ts';
import { makeDeleteProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { gitopsRepository } from '../../lib/wiring/gitops.ts';
import { platform } from '../../lib/wiring/platform.ts';
import { secretStore } from '../../lib/wiring/secrets.ts';
import { clock } from '../../lib/wiring/system.ts';
import { deployTurns, projects, workspaces } from '../../lib/wiring/table.ts';

const deleteProject = makeDeleteProject({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  clock: clock(),
  platformDomain: platform().domain,
  turns: deployTurns(),
  gitops: gitopsRepository(),
});

export const handler = httpHandler({ query: deleteQuerySchema }, async ({ identity, path, query }) => {
  await deleteProject(identity, path.workspaceId as string, path.projectId as string, query.confirm, {
    finalBackup: query.finalBackup,
  });
  return json(204);
});
