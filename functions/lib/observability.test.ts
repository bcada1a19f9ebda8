import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { loadEvent, withRequest } from '../../events/load.ts';
import { lambdaContext } from '../../infra/local/apigw-event.ts';
import { httpHandler, json } from './handler.ts';
import { logger } from './logger.ts';
import { recordRunFinished } from './observability.ts';
import { tracer, traceUpstream } from './tracer.ts';

type Line = Record<string, unknown>;

/** Every JSON line written to stdout and stderr (Powertools writes warn/error to stderr) while capturing. */
let lines: Line[] = [];
let level: string | undefined;
beforeEach(() => {
  lines = [];
  level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'debug';
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      return true;
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env.LOG_LEVEL = level;
});

const RUN = 'run_01JD8Z6X4Q5W7E9R2T3Y4U5I6O';
const getRun = () =>
  withRequest(loadEvent('apigw-http', 'get-workspace'), {
    pathParameters: { workspaceId: 'ws_1', projectId: 'prj_1', runId: RUN },
  });

describe('logger', () => {
  it('puts the run id, route and Lambda context on every line of the invocation, and only there', async () => {
    const handler = httpHandler({}, async () => {
      logger.debug('reading the run', { table: 'wharf' }); // as an adapter deep in the call would
      return json(200, {});
    });
    await handler(getRun(), lambdaContext('deployments-get'));
    logger.info('after the invocation');

    const [inside, request, after] = lines;
    expect(lines).toHaveLength(3);
    for (const line of [inside, request]) {
      expect(line).toMatchObject({
        runId: RUN,
        route: 'GET /api/workspaces/{workspaceId}',
        service: 'wharf',
        function_name: 'deployments-get',
      });
      expect(line?.requestId).toBeTypeOf('string');
    }
    expect(inside).toMatchObject({ level: 'DEBUG', message: 'reading the run', table: 'wharf' });
    expect(request).toMatchObject({ level: 'INFO', message: 'request', status: 200 });
    // resetKeys: the next invocation (or cold-start code) does not inherit this run.
    expect(after).not.toHaveProperty('runId');
    expect(after).not.toHaveProperty('route');
  });

  it('keeps the run id on the lines of a failed invocation, and reduces errors to name, message, stack', async () => {
    const handler = httpHandler({}, async () => {
      const error = Object.assign(new Error('GetItem failed'), {
        $response: { headers: { authorization: 'Bearer secret-token' } },
      });
      throw error;
    });
    const res = await handler(getRun(), lambdaContext('deployments-get'));
    expect(res).toMatchObject({ statusCode: 500 });
    const failed = lines.find((l) => l.message === 'request failed');
    expect(failed).toMatchObject({ level: 'ERROR', runId: RUN });
    expect(failed?.error).toEqual({ name: 'Error', message: 'GetItem failed', stack: expect.any(String) });
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    expect(lines.find((l) => l.message === 'request')).toMatchObject({ status: 500, runId: RUN });
  });

  it('follows LOG_LEVEL, in any case, also when it changes after import (silent in tests)', () => {
    process.env.LOG_LEVEL = 'silent';
    logger.error('not shown');
    process.env.LOG_LEVEL = 'WARN';
    logger.info('not shown either');
    logger.warn('shown');
    expect(lines.map((l) => l.message)).toEqual(['shown']);
  });

  it('keeps a LOG_LEVEL set after import across invocations (Powertools resets to its first level)', async () => {
    process.env.LOG_LEVEL = 'silent';
    logger.debug('before');
    process.env.LOG_LEVEL = 'debug';
    const handler = httpHandler({}, async () => {
      logger.debug('inside');
      return json(200, {});
    });
    await handler(getRun(), lambdaContext('deployments-get'));
    expect(lines.map((l) => l.message)).toEqual(['inside', 'request']);
  });

  it('names the run a WebSocket message is about', async () => {
    Object.assign(process.env, inject('wharf').env);
    const { wsHandler } = await import('./ws-handler.ts');
    const handler = wsHandler(async () => {
      logger.info('subscribing');
      return 200;
    });
    const event = loadEvent<APIGatewayProxyWebsocketEventV2>('apigw-ws', 'message');
    expect(await handler(event, lambdaContext('ws-default'))).toEqual({ statusCode: 200 });
    expect(lines[0]).toMatchObject({
      message: 'subscribing',
      runId: (JSON.parse(event.body ?? '{}') as { runId: string }).runId,
      route: 'subscribe',
      connectionId: event.requestContext.connectionId,
    });
  });
});

describe('metrics', () => {
  it('recordRunFinished publishes one RunFinished count as EMF, by status and environment', () => {
    const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    try {
      recordRunFinished('rolled_back', 'production');
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = disabled;
      if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    }
    const emf = lines.filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      RunFinished: 1,
      status: 'rolled_back',
      environment: 'production',
      service: 'wharf',
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Wharf',
            Dimensions: [expect.arrayContaining(['service', 'status', 'environment'])],
            Metrics: [{ Name: 'RunFinished', Unit: 'Count' }],
          },
        ],
      },
    });
  });

  it('emits nothing when metrics are turned off (as the local stack does)', () => {
    const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    try {
      recordRunFinished('deployed', 'staging');
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = disabled;
      if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    }
    expect(lines.filter((l) => '_aws' in l)).toEqual([]);
  });
});

describe('tracer', () => {
  it('is off outside Lambda: an upstream call just runs, and nothing is sent', async () => {
    expect(process.env.AWS_EXECUTION_ENV).toBeUndefined();
    expect(tracer.isTracingEnabled()).toBe(false);
    const getSegment = vi.spyOn(tracer, 'getSegment');
    await expect(traceUpstream('Jenkins.poll', async () => 'polled')).resolves.toBe('polled');
    await expect(
      traceUpstream('Jenkins.poll', async () => {
        throw new Error('Jenkins is down');
      }),
    ).rejects.toThrow('Jenkins is down');
    expect(getSegment).not.toHaveBeenCalled();
  });
});
