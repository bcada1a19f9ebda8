import type { Context, EventBridgeEvent } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEvent } from '../../events/load.ts';
import type { Run } from '../../shared/deploy.ts';
import { makeDocumentClient } from '../adapters/dynamodb/client.ts';
import { DynamoDeployTurns, DynamoRuns } from '../adapters/dynamodb/runs.ts';
import { randomIds } from '../adapters/system/ids.ts';

type StatusEvent = EventBridgeEvent<'Step Functions Execution Status Change', Record<string, unknown>>;
type Handler = (event: StatusEvent, context: Context) => Promise<unknown>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const stack = inject('wharf');
let handler: Handler;
let runs: DynamoRuns;
let turns: DynamoDeployTurns;

beforeAll(async () => {
  Object.assign(process.env, stack.env);
  const table = {
    doc: makeDocumentClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
  runs = new DynamoRuns(table);
  turns = new DynamoDeployTurns(table);
  ({ handler } = (await import('./execution-status.ts')) as unknown as { handler: Handler });
});

/** A run that holds its environment's turn and is building, as its execution left it. */
async function building(): Promise<Run> {
  const now = new Date().toISOString();
  const run: Run = {
    id: `r${randomIds.token()}`,
    workspaceId: 'w-status',
    projectId: `p${randomIds.token()}`,
    projectName: 'storefront',
    environment: 'production',
    kind: 'deploy',
    status: 'building',
    trigger: 'user',
    requestedBy: 'alice',
    steps: [{ name: 'build', status: 'running', startedAt: now }],
    createdAt: now,
    updatedAt: now,
  };
  await runs.create(run);
  expect(await turns.takeTurn(run.projectId, run.environment, run.id, undefined)).toBe(true);
  return run;
}

/** The sample event, for this run's execution. */
function eventFor(name: 'execution-aborted' | 'execution-failed', run: Run, includeInput = true) {
  const event = loadEvent<StatusEvent>('eventbridge', name);
  const input = JSON.parse(event.detail.input as string);
  event.detail.name = run.id;
  event.detail.executionArn = `${(event.detail.executionArn as string).replace(/:[^:]+$/, '')}:${run.id}`;
  event.detail.input = includeInput
    ? JSON.stringify({ ...input, runId: run.id, projectId: run.projectId, workspaceId: run.workspaceId })
    : null;
  if (!includeInput) event.detail.inputDetails = { included: false };
  return event;
}

describe('events/execution-status: a DeployProject execution that ended without FailRun', () => {
  it('ends the run of an aborted execution cancelled and frees the turn', async () => {
    const run = await building();
    await handler(eventFor('execution-aborted', run), context);
    expect(await runs.get(run.projectId, run.id)).toMatchObject({
      status: 'cancelled',
      failureReason: expect.stringContaining('stopped'),
    });
    expect((await turns.getEnvironment(run.projectId, run.environment)).activeRunId).toBeUndefined();
    expect((await runs.unfinished()).map((k) => k.runId)).not.toContain(run.id);
  });

  it('ends the run of a failed execution failed with its cause, also when the input was left out', async () => {
    const run = await building();
    await handler(eventFor('execution-failed', run, false), context);
    expect(await runs.get(run.projectId, run.id)).toMatchObject({
      status: 'failed',
      failureReason: expect.stringContaining('Task timed out after 105.00 seconds'),
    });
    expect((await turns.getEnvironment(run.projectId, run.environment)).activeRunId).toBeUndefined();
    // A redelivered event changes nothing.
    await handler(eventFor('execution-failed', run), context);
    expect((await runs.get(run.projectId, run.id))?.status).toBe('failed');
  });

  it('rejects an event that is not a DeployProject execution status change', async () => {
    const event = loadEvent<StatusEvent>('eventbridge', 'execution-aborted');
    event.detail.status = 'SUCCEEDED';
    await expect(handler(event, context)).rejects.toThrow(/status/);
  });
});
