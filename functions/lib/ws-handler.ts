import middy from '@middy/core';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { makeLive } from '../../shared/use-cases/live.ts';
import { logger } from './logger.ts';
import { messenger } from './wiring/live.ts';
import { clock } from './wiring/system.ts';
import { connections, runLogs, runs, workspaces } from './wiring/table.ts';

export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    authorizer?: { principalId?: string; userId?: string };
  };
};

/** The live channel; `replies` wires the management API ($connect and $disconnect never send). */
function liveChannel(replies: boolean) {
  const noReplies = {
    send: async () => {
      throw new Error('This WebSocket route sends no replies');
    },
  };
  return makeLive({
    connections: connections(),
    messenger: replies ? messenger() : noReplies,
    runs: runs(),
    logs: runLogs(),
    workspaces: workspaces(),
    clock: clock(),
  });
}

/**
 * The one way to write a WebSocket route handler: the connection id, the live channel, a status.
 * No body is returned: the routes have no route response, replies go through postToConnection.
 */
export function wsHandler(
  fn: (live: ReturnType<typeof makeLive>, event: WebSocketEvent) => Promise<number>,
  options: { replies?: boolean } = {},
) {
  const live = liveChannel(options.replies ?? false);
  return middy<WebSocketEvent, { statusCode: number }, Error, Context>().handler(async (event) => {
    try {
      return { statusCode: await fn(live, event) };
    } catch (error) {
      logger.error('websocket route failed', { route: event.requestContext.routeKey, error });
      return { statusCode: 500 };
    }
  });
}
