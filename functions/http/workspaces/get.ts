import { makeGetWorkspace } from '../../../shared/use-cases/workspaces.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const getWorkspace = makeGetWorkspace(deps());

export const handler = httpHandler({}, async ({ identity, path }) =>
  json(200, await getWorkspace(identity, path.workspaceId as string)),
);
