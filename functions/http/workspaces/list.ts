import { makeListWorkspaces } from '../../../shared/use-cases/workspaces.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { workspaces } from '../../lib/wiring/table.ts';

const listWorkspaces = makeListWorkspaces({ workspaces: workspaces() });

export const handler = httpHandler({}, async ({ identity }) => json(200, await listWorkspaces(identity)));
