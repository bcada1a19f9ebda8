import { makeGetMe } from '../../../shared/use-cases/me.ts';
import { deps } from '../../lib/deps.ts';
import { httpHandler, json } from '../../lib/handler.ts';

const getMe = makeGetMe(deps());

export const handler = httpHandler({}, async ({ identity }) => json(200, await getMe(identity)));
