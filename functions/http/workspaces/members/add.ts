import { addMemberSchema } from '../../../../shared/schemas/workspace.ts';
import { makeAddMember } from '../../../../shared/use-cases/workspaces.ts';
import { deps } from '../../../lib/deps.ts';
import { httpHandler, json } from '../../../lib/handler.ts';

const addMember = makeAddMember(deps());

export const handler = httpHandler({ body: addMemberSchema }, async ({ identity, path, body }) =>
  json(201, await addMember(identity, path.workspaceId as string, body)),
);
