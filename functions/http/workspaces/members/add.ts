import { addMemberSchema } from '../../../../shared/schemas/workspace.ts';
import { makeAddMember } from '../../../../shared/use-cases/workspaces.ts';
import { httpHandler, json } from '../../../lib/handler.ts';
import { clock } from '../../../lib/wiring/system.ts';
import { users, workspaces } from '../../../lib/wiring/table.ts';

const addMember = makeAddMember({ workspaces: workspaces(), users: users(), clock: clock() });

export const handler = httpHandler({ body: addMemberSchema }, async ({ identity, path, body }) =>
  json(201, await addMember(identity, path.workspaceId as string, body)),
);
