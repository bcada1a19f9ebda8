import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { makeLive } from '../../shared/use-cases/live.ts';
import { mapError, requestIdOf } from './handler.ts';
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
export function wsHandler(
  fn: (live: ReturnType<typeof makeLive>, event: WebSocketEvent) => Promise<number>,
  options: { replies?: boolean } = {},
) {
  const live = liveChannel(options.replies ?? false);
  return middy<WebSocketEvent, { statusCode: number }, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(connectionKeys())
    .handler(async (event, context) => {
      try {
        return { statusCode: await fn(live, event) };
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
