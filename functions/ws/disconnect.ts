import { wsHandler } from '../lib/ws-handler.ts';

/** $disconnect: forget the connection and what it watched. */
export const handler = wsHandler(async (live, event) => {
  await live.disconnect(event.requestContext.connectionId);
  return 200;
});
