import middy from '@middy/core';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { makeLive } from '../../shared/use-cases/live.ts';
import { deployDeps } from './deploy-deps.ts';
import { mapError, requestIdOf } from './handler.ts';
import { logger } from './logger.ts';

export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    authorizer?: { principalId?: string; userId?: string };
  };
};

let live: ReturnType<typeof makeLive> | undefined;
function liveChannel() {
  live ??= makeLive(deployDeps());
  return live;
}

/**
 * The one way to write a WebSocket route handler: the connection id, the live channel, a status.
 * No body is returned: the routes have no route response, replies go through postToConnection.
 */
export function wsHandler(fn: (live: ReturnType<typeof makeLive>, event: WebSocketEvent) => Promise<number>) {
  liveChannel();
  return middy<WebSocketEvent, { statusCode: number }, Error, Context>().handler(async (event, context) => {
    try {
      return { statusCode: await fn(liveChannel(), event) };
    } catch (error) {
      // The same mapping as HTTP routes; the status is all API Gateway gets (there is no route response).
      const requestId = requestIdOf(event, context);
      const { statusCode, detail } = mapError(error, requestId);
      if (detail)
        logger.error('websocket route failed', {
          route: event.requestContext.routeKey,
          requestId,
          ...detail,
        });
      return { statusCode };
    }
  });
}
