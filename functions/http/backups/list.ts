import { makeListBackups } from '../../../shared/use-cases/backups.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { backupStore } from '../../lib/wiring/backups.ts';
import { projects, workspaces } from '../../lib/wiring/table.ts';

const listBackups = makeListBackups({
  workspaces: workspaces(),
  projects: projects(),
  backups: backupStore(),
});

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await listBackups(identity, path.workspaceId as string, path.projectId as string)),
);
