import { createWorkspaceSchema } from '../../../shared/schemas/workspace.ts';
import { makeCreateWorkspace } from '../../../shared/use-cases/workspaces.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const createWorkspace = makeCreateWorkspace(deps());

export const handler = httpHandler({ body: createWorkspaceSchema }, async ({ identity, body }) =>
  json(201, await createWorkspace(identity, body)),
);
