import { backUpNowSchema } from '../../../shared/schemas/backups.ts';
import { makeBackUpNow } from '../../../shared/use-cases/backups.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { syncService } from '../../lib/wiring/sync.ts';
import { clock } from '../../lib/wiring/system.ts';
import { deployTurns, projects, releases, workspaces } from '../../lib/wiring/table.ts';

const backUpNow = makeBackUpNow({
  workspaces: workspaces(),
  projects: projects(),
  turns: deployTurns(),
  releases: releases(),
  sync: syncService(),
  clock: clock(),
});

// 202: the backup Job is started; its dump shows in `GET …/backups` when complete.
export const handler = httpHandler({ body: backUpNowSchema }, async ({ identity, path }) =>
  json(202, await backUpNow(identity, path.workspaceId as string, path.projectId as string)),
);
