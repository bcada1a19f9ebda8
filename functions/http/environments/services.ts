import { makeListServices } from '../../../shared/use-cases/services.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { syncService } from '../../lib/wiring/sync.ts';
import { projects, workspaces } from '../../lib/wiring/table.ts';

const listServices = makeListServices({
  workspaces: workspaces(),
  projects: projects(),
  sync: syncService(),
});

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, {
    items: await listServices(
      identity,
      path.workspaceId as string,
      path.projectId as string,
      path.environment as string,
    ),
  }),
);
