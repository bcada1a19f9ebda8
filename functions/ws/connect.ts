import { wsHandler } from '../lib/ws-handler.ts';

/** $connect: the authorizer verified the token; remember who this connection is. */
export const handler = wsHandler(async (live, event) => {
  const userId = event.requestContext.authorizer?.userId ?? event.requestContext.authorizer?.principalId;
  if (!userId) return 401;
  await live.connect(event.requestContext.connectionId, userId);
  return 200;
});
