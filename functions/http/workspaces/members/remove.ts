import { makeRemoveMember } from '../../../../shared/use-cases/workspaces.ts';
import { httpHandler, json } from '../../../lib/handler.ts';
import { workspaces } from '../../../lib/wiring/table.ts';

const removeMember = makeRemoveMember({ workspaces: workspaces() });

export const handler = httpHandler({}, async ({ identity, path }) => {
  await removeMember(identity, path.workspaceId as string, path.userId as string);
  return json(204);
});
