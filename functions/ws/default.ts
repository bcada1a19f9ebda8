import { wsHandler } from '../lib/ws-handler.ts';

/** $default: every client message (`subscribe` to a run's log, `watch` a workspace, `ping`). */
export const handler = wsHandler(
  async (live, event) => {
    await live.message(event.requestContext.connectionId, event.body);
    return 200;
  },
  { replies: true },
);
