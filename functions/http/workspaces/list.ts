import { makeListWorkspaces } from '../../../shared/use-cases/workspaces.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const listWorkspaces = makeListWorkspaces(deps());

export const handler = httpHandler({}, async ({ identity }) => json(200, await listWorkspaces(identity)));
