import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadEvent } from '../../events/load.ts';
import { forbidden, unavailable } from '../../shared/errors.ts';
import { logger } from './logger.ts';
import type { WebSocketEvent, wsHandler as WsHandler } from './ws-handler.ts';

const context = { getRemainingTimeInMillis: () => 10_000, awsRequestId: 'lambda-1' } as Context;
let wsHandler: typeof WsHandler;

beforeAll(async () => {
  Object.assign(process.env, inject('wharf').env);
  ({ wsHandler } = await import('./ws-handler.ts'));
});

describe('wsHandler', () => {
  it('maps errors like the HTTP routes, and logs a 5xx with its detail and the request id', async () => {
    const message = loadEvent<WebSocketEvent>('apigw-ws', 'message');
    const refused = wsHandler(async () => {
      throw forbidden('workspace.forbidden', 'Not a member.');
    });
    expect(await refused(message, context)).toEqual({ statusCode: 403 });

    const logged: unknown[][] = [];
    const spy = vi.spyOn(logger, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const down = wsHandler(async () => {
        throw unavailable(
          'live.unavailable',
          'The live channel is unavailable.',
          new Error('socket hang up'),
        );
      });
      expect(await down(message, context)).toEqual({ statusCode: 503 });
      expect(logged[0]?.[1]).toMatchObject({
        route: 'subscribe',
        requestId: message.requestContext.requestId,
        code: 'live.unavailable',
        cause: expect.objectContaining({ message: 'socket hang up' }),
      });
    } finally {
      spy.mockRestore();
    }
  });
});
