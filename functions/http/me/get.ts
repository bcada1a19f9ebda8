import { makeGetMe } from '../../../shared/use-cases/me.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { clock, ids } from '../../lib/wiring/system.ts';
import { users, workspaces } from '../../lib/wiring/table.ts';

const getMe = makeGetMe({ users: users(), workspaces: workspaces(), ids: ids(), clock: clock() });

export const handler = httpHandler({}, async ({ identity }) => json(200, await getMe(identity)));
