import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { makeLive } from '../../shared/use-cases/live.ts';
import { deployDeps } from './deploy-deps.ts';
import { logger } from './logger.ts';
import { tracer } from './tracer.ts';

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

/** The run a client message is about (`{"action":"subscribe","runId":…}`), if any; the use case validates it. */
function runIdOf(body: string | undefined): string | undefined {
  if (!body?.includes('runId')) return undefined;
  try {
    const runId = (JSON.parse(body) as { runId?: unknown } | null)?.runId;
    return typeof runId === 'string' && runId.length <= 128 ? runId : undefined;
  } catch {
    return undefined;
  }
}

/** Route and connection on every line of the invocation, and the run when the message names one. */
function connectionKeys(): MiddlewareObj<WebSocketEvent> {
  return {
    before: ({ event }) => {
      const runId = runIdOf(event.body);
      logger.appendKeys({
        route: event.requestContext.routeKey,
        connectionId: event.requestContext.connectionId,
        ...(runId ? { runId } : {}),
      });
    },
  };
}

/**
 * The one way to write a WebSocket route handler: the connection id, the live channel, a status.
 * No body is returned: the routes have no route response, replies go through postToConnection.
 */
export function wsHandler(fn: (live: ReturnType<typeof makeLive>, event: WebSocketEvent) => Promise<number>) {
  liveChannel();
  return middy<WebSocketEvent, { statusCode: number }, Error, Context>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(connectionKeys())
    .handler(async (event) => {
      try {
        return { statusCode: await fn(liveChannel(), event) };
      } catch (error) {
        logger.error('websocket route failed', { error });
        return { statusCode: 500 };
      }
    });
}
