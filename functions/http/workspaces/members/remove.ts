import { makeRemoveMember } from '../../../../shared/use-cases/workspaces.ts';
import { deps } from '../../../lib/deps.ts';
import { httpHandler, json } from '../../../lib/handler.ts';

const removeMember = makeRemoveMember(deps());

export const handler = httpHandler({}, async ({ identity, path }) => {
  await removeMember(identity, path.workspaceId as string, path.userId as string);
  return json(204);
});
