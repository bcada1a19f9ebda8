import { deleteQuerySchema } from '../../../shared/schemas/query.ts';
import { makeFinalBackup } from '../../../shared/use-cases/backups.ts';
import { makeDeleteProject } from '../../../shared/use-cases/projects.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { backupStore } from '../../lib/wiring/backups.ts';
import { gitopsRepository } from '../../lib/wiring/gitops.ts';
import { platform } from '../../lib/wiring/platform.ts';
import { secretStore } from '../../lib/wiring/secrets.ts';
import { syncService } from '../../lib/wiring/sync.ts';
import { clock } from '../../lib/wiring/system.ts';
import { deployTurns, projects, releases, workspaces } from '../../lib/wiring/table.ts';

/** Under the function's 29 s (API Gateway's limit), with time left for the commit and the writes. */
const FINAL_BACKUP_MS = 20_000;

const deleteProject = makeDeleteProject({
  workspaces: workspaces(),
  projects: projects(),
  secrets: secretStore(),
  clock: clock(),
  platformDomain: platform().domain,
  turns: deployTurns(),
  gitops: gitopsRepository(),
  beforeDelete: makeFinalBackup(
    {
      workspaces: workspaces(),
      projects: projects(),
      turns: deployTurns(),
      releases: releases(),
      sync: syncService(),
      backups: backupStore(),
    },
    { timeoutMs: FINAL_BACKUP_MS },
  ),
});

export const handler = httpHandler({ query: deleteQuerySchema }, async ({ identity, path, query }) => {
  await deleteProject(identity, path.workspaceId as string, path.projectId as string, query.confirm, {
    finalBackup: query.finalBackup,
  });
  return json(204);
});
