import { makeGetWorkspace } from '../../../shared/use-cases/workspaces.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { users, workspaces } from '../../lib/wiring/table.ts';

const getWorkspace = makeGetWorkspace({ workspaces: workspaces(), users: users() });

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await getWorkspace(identity, path.workspaceId as string)),
);
