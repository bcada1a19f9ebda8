import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStepFunctions, STOPPED_CAUSE, STOPPED_ERROR } from './local-step-functions.ts';
import {
  cdkSubstitution,
  makeTestHandlers,
  serveStepFunctions,
  sfnClient,
  testWorkflowDefinition,
  waitForExecution,
} from './testing/test-workflow.ts';

const fast = {
  waitTimeOverrides: { WaitForBuild: 5 },
  retryIntervalOverrides: { StartRun: [1], PollBuild: [1] },
};
/** The same workflow, but its build wait lasts a minute: executions stay RUNNING. */
const slow = { waitTimeOverrides: { WaitForBuild: 60_000 }, retryIntervalOverrides: { StartRun: [1] } };

async function history(client: SFNClient, executionArn: string, pageSize = 1000): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: pageSize, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** [type, state name] of each event; the name of the state it belongs to for Task* events. */
function steps(events: HistoryEvent[]): string[] {
  let current = '';
  return events.map((event) => {
    const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
    if (name) current = name;
    return event.type?.startsWith('Task') && !name
      ? `${event.type} (${current})`
      : `${event.type}${name ? ` ${name}` : ''}`;
  });
}

async function start(client: SFNClient, stateMachineArn: string, name: string, input: unknown) {
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('no executionArn');
  return executionArn;
}

describe('LocalStepFunctions through @aws-sdk/client-sfn', () => {
  let dataDir: string;
  let sfn: LocalStepFunctions;
  let server: Awaited<ReturnType<typeof serveStepFunctions>>;
  let client: SFNClient;
  let deployArn: string;
  let slowArn: string;
  const handlers = makeTestHandlers();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-'));
    sfn = new LocalStepFunctions({ dataDir });
    await sfn.load();
    ({ stateMachineArn: deployArn } = sfn.registerStateMachine({
      name: 'wharf-test-deploy',
      definition: testWorkflowDefinition,
      taskHandlers: handlers.taskHandlers,
      ...fast,
    }));
    ({ stateMachineArn: slowArn } = sfn.registerStateMachine({
      name: 'wharf-test-slow',
      definition: testWorkflowDefinition,
      taskHandlers: handlers.taskHandlers,
      ...slow,
    }));
    server = await serveStepFunctions(sfn);
    client = sfnClient(server.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await sfn?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs an execution to SUCCEEDED, handlers getting the Payload and returning through $.Payload', async () => {
    const input = { scenario: 'ok', project: 'shop' };
    const executionArn = await start(client, deployArn, 'ok-1', input);
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:wharf-test-deploy:ok-1');

    const execution = await waitForExecution(client, executionArn);
    expect(execution).toMatchObject({
      executionArn,
      stateMachineArn: deployArn,
      name: 'ok-1',
      status: 'SUCCEEDED',
      input: JSON.stringify(input),
    });
    expect(JSON.parse(execution.output ?? '')).toEqual({ status: 'deployed', runId: 'run-ok-1' });
    expect(execution.startDate).toBeInstanceOf(Date);
    expect(execution.stopDate?.getTime()).toBeGreaterThanOrEqual(execution.startDate?.getTime() ?? Infinity);
    expect(execution.error).toBeUndefined();

    const [startRun] = handlers.callsOf('ok-1', 'StartRun');
    expect(startRun).toEqual({
      stateName: 'StartRun',
      payload: input,
      context: { executionArn, executionName: 'ok-1', stateName: 'StartRun' },
    });
    expect(handlers.callsOf('ok-1', 'PollBuild').map((c) => c.payload)).toEqual([
      { runId: 'run-ok-1', scenario: 'ok' },
      { runId: 'run-ok-1', scenario: 'ok' },
    ]);
    expect(handlers.callsOf('ok-1', 'FinishRun').map((c) => c.payload)).toEqual([
      { runId: 'run-ok-1', outcome: 'deployed' },
    ]);

    // The task result is Lambda's Invoke response: ResultSelector read $.Payload and $.StatusCode.
    const events = await history(client, executionArn);
    const startRunExited = events.find((e) => e.stateExitedEventDetails?.name === 'StartRun');
    expect(JSON.parse(startRunExited?.stateExitedEventDetails?.output ?? '')).toEqual({
      ...input,
      run: { runId: 'run-ok-1', statusCode: 200 },
    });
    const succeeded = events.find((e) => e.type === 'TaskSucceeded');
    expect(JSON.parse(succeeded?.taskSucceededEventDetails?.output ?? '')).toEqual({
      Payload: { runId: 'run-ok-1' },
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
    });
  });

  it('records the history in order, with state names, and pages it both ways', async () => {
    const executionArn = await start(client, deployArn, 'history-1', { scenario: 'ok' });
    await waitForExecution(client, executionArn);
    const events = await history(client, executionArn);

    expect(steps(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered StartRun',
      'TaskScheduled (StartRun)',
      'TaskStarted (StartRun)',
      'TaskSucceeded (StartRun)',
      'TaskStateExited StartRun',
      'TaskStateEntered PollBuild',
      'TaskScheduled (PollBuild)',
      'TaskStarted (PollBuild)',
      'TaskSucceeded (PollBuild)',
      'TaskStateExited PollBuild',
      'ChoiceStateEntered IsBuilt',
      'ChoiceStateExited IsBuilt',
      'WaitStateEntered WaitForBuild',
      'WaitStateExited WaitForBuild',
      'TaskStateEntered PollBuild',
      'TaskScheduled (PollBuild)',
      'TaskStarted (PollBuild)',
      'TaskSucceeded (PollBuild)',
      'TaskStateExited PollBuild',
      'ChoiceStateEntered IsBuilt',
      'ChoiceStateExited IsBuilt',
      'TaskStateEntered FinishRun',
      'TaskScheduled (FinishRun)',
      'TaskStarted (FinishRun)',
      'TaskSucceeded (FinishRun)',
      'TaskStateExited FinishRun',
      'ExecutionSucceeded',
    ]);
    events.forEach((event, index) => {
      expect(event.id).toBe(index + 1);
      expect(event.previousEventId).toBe(index);
      expect(event.timestamp).toBeInstanceOf(Date);
      if (index > 0)
        expect(event.timestamp?.getTime()).toBeGreaterThanOrEqual(
          events[index - 1]?.timestamp?.getTime() ?? 0,
        );
    });
    expect(events[0]?.executionStartedEventDetails?.input).toBe('{"scenario":"ok"}');
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({
      name: 'StartRun',
      input: '{"scenario":"ok"}',
    });
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
    });
    expect(JSON.parse(events[2]?.taskScheduledEventDetails?.parameters ?? '')).toEqual({
      FunctionName: cdkSubstitution('StartRunFunctionArn'),
      Payload: { scenario: 'ok' },
    });
    expect(JSON.parse(events.at(-1)?.executionSucceededEventDetails?.output ?? '')).toEqual({
      status: 'deployed',
      runId: 'run-history-1',
    });

    const reversed: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 5, nextToken }),
      );
      expect(page.events?.length).toBeLessThanOrEqual(5);
      reversed.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(reversed.map((e) => e.id)).toEqual(events.map((e) => e.id).reverse());

    const withoutData = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 2, includeExecutionData: false }),
    );
    expect(withoutData.events?.[1]?.stateEnteredEventDetails).toEqual({
      name: 'StartRun',
      inputDetails: { truncated: false },
    });
    await expect(
      client.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'not-a-token' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it('retries a TransientError with backoff, matching the thrown error name, then succeeds', async () => {
    const executionArn = await start(client, deployArn, 'flaky-1', { scenario: 'flaky' });
    const execution = await waitForExecution(client, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(handlers.callsOf('flaky-1', 'StartRun')).toHaveLength(3);

    const events = await history(client, executionArn);
    expect(steps(events).slice(0, 12)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered StartRun',
      'TaskScheduled (StartRun)',
      'TaskStarted (StartRun)',
      'TaskFailed (StartRun)',
      'TaskScheduled (StartRun)',
      'TaskStarted (StartRun)',
      'TaskFailed (StartRun)',
      'TaskScheduled (StartRun)',
      'TaskStarted (StartRun)',
      'TaskSucceeded (StartRun)',
      'TaskStateExited StartRun',
    ]);
    const failed = events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails;
    expect(failed).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: 'TransientError' });
    const cause = JSON.parse(failed?.cause ?? '');
    expect(cause).toMatchObject({ errorType: 'TransientError', errorMessage: 'Jenkins is busy (attempt 1)' });
    expect(cause.trace[0]).toBe('TransientError: Jenkins is busy (attempt 1)');
  });

  it('sends an error that no Retry matches to the Catch path, with Lambda-shaped Error and Cause', async () => {
    const executionArn = await start(client, deployArn, 'broken-1', { scenario: 'broken' });
    const execution = await waitForExecution(client, executionArn);
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'RunFailed',
      cause: 'The run ended in failure',
    });
    expect(execution.output).toBeUndefined();
    expect(handlers.callsOf('broken-1', 'StartRun')).toHaveLength(1);

    const [failRun] = handlers.callsOf('broken-1', 'FailRun');
    const { failure } = (failRun?.payload ?? {}) as { failure: { Error: string; Cause: string } };
    expect(failure.Error).toBe('BuildRejectedError');
    expect(JSON.parse(failure.Cause)).toMatchObject({
      errorType: 'BuildRejectedError',
      errorMessage: 'Jenkins rejected the job',
      trace: expect.arrayContaining([
        expect.stringContaining('BuildRejectedError: Jenkins rejected the job'),
      ]),
    });

    const events = await history(client, executionArn);
    expect(steps(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered StartRun',
      'TaskScheduled (StartRun)',
      'TaskStarted (StartRun)',
      'TaskFailed (StartRun)',
      'TaskStateExited StartRun',
      'TaskStateEntered FailRun',
      'TaskScheduled (FailRun)',
      'TaskStarted (FailRun)',
      'TaskSucceeded (FailRun)',
      'TaskStateExited FailRun',
      'FailStateEntered RunFailed',
      'ExecutionFailed',
    ]);
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({
      error: 'RunFailed',
      cause: 'The run ended in failure',
    });
  });

  it('lists executions newest first, paged and filtered by status', async () => {
    for (const name of ['list-1', 'list-2', 'list-3']) {
      await waitForExecution(client, await start(client, deployArn, name, { scenario: 'ok' }));
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListExecutionsCommand({ stateMachineArn: deployArn, maxResults: 2, nextToken }),
      );
      expect(page.executions?.length).toBeLessThanOrEqual(2);
      for (const execution of page.executions ?? []) names.push(execution.name ?? '');
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names.filter((n) => n.startsWith('list-'))).toEqual(['list-3', 'list-2', 'list-1']);
    expect(names.indexOf('list-3')).toBe(0);

    const { executions } = await client.send(
      new ListExecutionsCommand({ stateMachineArn: deployArn, statusFilter: 'FAILED' }),
    );
    expect(executions?.length).toBeGreaterThan(0);
    expect(executions?.every((e) => e.status === 'FAILED' && e.stopDate instanceof Date)).toBe(true);
  });

  it('stops a running execution: ABORTED with the given error and cause', async () => {
    const executionArn = await start(client, slowArn, 'stop-1', { scenario: 'slow' });
    await waitForExecution(client, executionArn, () => true);
    const waiting = async () =>
      (await history(client, executionArn)).some((e) => e.type === 'WaitStateEntered');
    for (let i = 0; i < 200 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 10));

    const { stopDate } = await client.send(
      new StopExecutionCommand({ executionArn, error: 'Superseded', cause: 'A newer deploy started' }),
    );
    expect(stopDate).toBeInstanceOf(Date);
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({
      status: 'ABORTED',
      error: 'Superseded',
      cause: 'A newer deploy started',
    });
    expect(execution.stopDate?.getTime()).toBe(stopDate?.getTime());

    const events = await history(client, executionArn);
    expect(steps(events).slice(-3)).toEqual([
      'WaitStateEntered WaitForBuild',
      'WaitStateAborted WaitForBuild',
      'ExecutionAborted',
    ]);
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({
      error: 'Superseded',
      cause: 'A newer deploy started',
    });
  });

  it('starts once per name: same input while running is idempotent, anything else ExecutionAlreadyExists', async () => {
    const input = { scenario: 'slow', project: 'shop' };
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: slowArn, name: 'dup-1', input: JSON.stringify(input) }),
    );
    const again = await client.send(
      new StartExecutionCommand({ stateMachineArn: slowArn, name: 'dup-1', input: JSON.stringify(input) }),
    );
    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });

    const otherInput = client.send(
      new StartExecutionCommand({ stateMachineArn: slowArn, name: 'dup-1', input: '{"scenario":"ok"}' }),
    );
    await expect(otherInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(otherInput).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      message: `Execution Already Exists: '${first.executionArn}'`,
      $metadata: { httpStatusCode: 400 },
    });

    await client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: slowArn, name: 'dup-1', input: JSON.stringify(input) }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('answers with the typed errors of the Step Functions API', async () => {
    const missing = 'arn:aws:states:us-east-1:000000000000:execution:wharf-test-deploy:no-such-run';
    const describeMissing = client.send(new DescribeExecutionCommand({ executionArn: missing }));
    await expect(describeMissing).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(describeMissing).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
      message: `Execution Does Not Exist: '${missing}'`,
      $fault: 'client',
    });
    await expect(
      client.send(new GetExecutionHistoryCommand({ executionArn: missing })),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(client.send(new StopExecutionCommand({ executionArn: missing }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(client.send(new DescribeExecutionCommand({ executionArn: 'run-1' }))).rejects.toBeInstanceOf(
      InvalidArn,
    );

    const unknownMachine = 'arn:aws:states:us-east-1:000000000000:stateMachine:nope';
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: unknownMachine, input: '{}' })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    for (const name of ['has space', 'a/b', 'x'.repeat(81), 'semi;colon', 'star*', '']) {
      await expect(
        client.send(new StartExecutionCommand({ stateMachineArn: deployArn, name, input: '{}' })),
      ).rejects.toBeInstanceOf(InvalidName);
    }
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: deployArn, name: 'bad-input', input: '{nope' }),
      ),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
  });

  it('describes and lists the registered state machines', async () => {
    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: deployArn }));
    expect(machine).toMatchObject({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:wharf-test-deploy',
      name: 'wharf-test-deploy',
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: testWorkflowDefinition,
    });
    expect(machine.creationDate).toBeInstanceOf(Date);
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((m) => m.name)).toEqual(['wharf-test-deploy', 'wharf-test-slow']);
  });

  it('refuses a registration whose Task states and handlers do not match', () => {
    const { taskHandlers } = makeTestHandlers();
    const { FinishRun: _finishRun, ...withoutFinishRun } = taskHandlers;
    expect(() =>
      sfn.registerStateMachine({
        name: 'broken-registration',
        definition: testWorkflowDefinition,
        taskHandlers: withoutFinishRun,
      }),
    ).toThrow('Task state FinishRun has no handler');
    expect(() =>
      sfn.registerStateMachine({
        name: 'broken-registration',
        definition: testWorkflowDefinition,
        taskHandlers: { ...taskHandlers, Typo: async () => ({}) },
      }),
    ).toThrow('taskHandlers.Typo names no Task state');
  });
});

describe('LocalStepFunctions persistence', () => {
  it('keeps executions across instances; one RUNNING when its process stopped becomes ABORTED', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-persist-'));
    const register = (instance: LocalStepFunctions) => {
      const { taskHandlers } = makeTestHandlers();
      instance.registerStateMachine({
        name: 'wharf-test-deploy',
        definition: testWorkflowDefinition,
        taskHandlers,
        ...fast,
      });
      return instance.registerStateMachine({
        name: 'wharf-test-slow',
        definition: testWorkflowDefinition,
        taskHandlers,
        ...slow,
      }).stateMachineArn;
    };

    // The first process: one execution finishes, one is still waiting for its build.
    const first = new LocalStepFunctions({ dataDir });
    await first.load();
    const slowArn = register(first);
    const deployArn = slowArn.replace('wharf-test-slow', 'wharf-test-deploy');
    const firstServer = await serveStepFunctions(first);
    const firstClient = sfnClient(firstServer.endpoint);
    const doneArn = await start(firstClient, deployArn, 'done-1', { scenario: 'ok' });
    await waitForExecution(firstClient, doneArn);
    const runningArn = await start(firstClient, slowArn, 'running-1', { scenario: 'slow' });
    await waitForExecution(firstClient, runningArn, () => true);
    const doneHistory = await history(firstClient, doneArn);
    // It "crashes": the file holds what was last written, no stop().
    await first.flush();
    const saved = JSON.parse(await readFile(join(dataDir, 'executions.json'), 'utf8'));
    expect(saved.executions.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([
      ['done-1', 'SUCCEEDED'],
      ['running-1', 'RUNNING'],
    ]);

    // The next process reads them back.
    const second = new LocalStepFunctions({ dataDir });
    await second.load();
    register(second);
    const secondServer = await serveStepFunctions(second);
    const secondClient = sfnClient(secondServer.endpoint);
    try {
      const done = await secondClient.send(new DescribeExecutionCommand({ executionArn: doneArn }));
      expect(done).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"status":"deployed","runId":"run-done-1"}',
      });
      expect(await history(secondClient, doneArn)).toEqual(doneHistory);

      const aborted = await secondClient.send(new DescribeExecutionCommand({ executionArn: runningArn }));
      expect(aborted).toMatchObject({ status: 'ABORTED', error: STOPPED_ERROR, cause: STOPPED_CAUSE });
      expect(aborted.stopDate).toBeInstanceOf(Date);
      const events = await history(secondClient, runningArn);
      expect(events.at(-1)).toMatchObject({
        type: 'ExecutionAborted',
        id: events.length,
        executionAbortedEventDetails: { error: STOPPED_ERROR, cause: STOPPED_CAUSE },
      });

      const { executions } = await secondClient.send(new ListExecutionsCommand({ stateMachineArn: slowArn }));
      expect(executions?.map((e) => [e.name, e.status])).toEqual([['running-1', 'ABORTED']]);
      // A name stays taken after a restart.
      await expect(
        secondClient.send(
          new StartExecutionCommand({ stateMachineArn: deployArn, name: 'done-1', input: '{}' }),
        ),
      ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    } finally {
      firstClient.destroy();
      secondClient.destroy();
      await firstServer.close();
      await secondServer.close();
      await second.stop();
      await first.stop();
    }

    // stop() itself aborts what runs and saves it.
    const afterStop = JSON.parse(await readFile(join(dataDir, 'executions.json'), 'utf8'));
    expect(afterStop.executions.find((e: { name: string }) => e.name === 'running-1')).toMatchObject({
      status: 'ABORTED',
      error: STOPPED_ERROR,
      cause: STOPPED_CAUSE,
    });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps a bounded history: ExecutionStarted and the newest events', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-bounded-'));
    const sfn = new LocalStepFunctions({ dataDir, maxHistoryEvents: 10 });
    const { taskHandlers } = makeTestHandlers();
    const { stateMachineArn } = sfn.registerStateMachine({
      name: 'wharf-test-deploy',
      definition: testWorkflowDefinition,
      taskHandlers,
      ...fast,
    });
    const server = await serveStepFunctions(sfn);
    const client = sfnClient(server.endpoint);
    try {
      const executionArn = await start(client, stateMachineArn, 'bounded-1', { scenario: 'ok' });
      expect((await waitForExecution(client, executionArn)).status).toBe('SUCCEEDED');
      const events = await history(client, executionArn);
      expect(events).toHaveLength(10);
      expect(events[0]?.type).toBe('ExecutionStarted');
      expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded', id: 28 });
      expect(events[1]?.id).toBe(20);
    } finally {
      client.destroy();
      await server.close();
      await sfn.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('LocalStepFunctions with Map, Parallel, direct Lambda resources and task timeouts', () => {
  it('records each in the history the way Step Functions does', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-states-'));
    const sfn = new LocalStepFunctions({ dataDir });
    const invoke = (functionName: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: cdkSubstitution(functionName), 'Payload.$': '$' },
      ResultSelector: { 'value.$': '$.Payload' },
    });
    const definition = {
      StartAt: 'EachItem',
      States: {
        EachItem: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Double',
            States: { Double: { ...invoke('DoubleFunctionArn'), End: true } },
          },
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Label', States: { Label: { ...invoke('LabelFunctionArn'), End: true } } },
            { StartAt: 'Keep', States: { Keep: { Type: 'Pass', End: true } } },
          ],
          Next: 'Direct',
        },
        Direct: { Type: 'Task', Resource: cdkSubstitution('DirectFunctionArn'), Next: 'TooSlow' },
        TooSlow: {
          ...invoke('SlowFunctionArn'),
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'GiveUp' }],
          End: true,
        },
        GiveUp: { Type: 'Fail' },
      },
    };
    let slowDone: () => void = () => {};
    const slowFinished = new Promise<void>((resolve) => {
      slowDone = resolve;
    });
    const { stateMachineArn } = sfn.registerStateMachine({
      name: 'wharf-test-shapes',
      definition: JSON.stringify(definition),
      taskHandlers: {
        // Later items finish first: each result must still land in its own item.
        Double: async (item) => {
          await new Promise((resolve) => setTimeout(resolve, 10 * (4 - (item as number))));
          return (item as number) * 2;
        },
        Label: async () => 'labelled',
        Direct: async (input) => ({ direct: true, input }),
        TooSlow: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1_200));
          slowDone();
          return 'too late';
        },
      },
    });
    const server = await serveStepFunctions(sfn);
    const client = sfnClient(server.endpoint);
    try {
      const executionArn = await start(client, stateMachineArn, 'shapes-1', { items: [1, 2, 3] });
      const execution = await waitForExecution(client, executionArn);
      // A Fail state without Error/Cause fails the execution with neither.
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBeUndefined();
      expect(execution.cause).toBeUndefined();

      const events = await history(client, executionArn);
      const types = events.map((e) => e.type);
      expect(types.filter((t) => t === 'MapIterationStarted')).toHaveLength(3);
      expect(types.filter((t) => t === 'MapIterationSucceeded')).toHaveLength(3);
      // Every item's TaskSucceeded sits right before its own TaskStateExited.
      for (const exited of events.filter((e) => e.stateExitedEventDetails?.name === 'Double')) {
        const succeeded = events[events.indexOf(exited) - 1];
        const { value } = JSON.parse(exited.stateExitedEventDetails?.output ?? '');
        expect(JSON.parse(succeeded?.taskSucceededEventDetails?.output ?? '').Payload).toBe(value);
      }
      expect(
        JSON.parse(
          events.find((e) => e.stateExitedEventDetails?.name === 'EachItem')?.stateExitedEventDetails
            ?.output ?? '',
        ),
      ).toEqual([{ value: 2 }, { value: 4 }, { value: 6 }]);
      expect(steps(events.filter((e) => e.type?.startsWith('Parallel')))).toEqual([
        'ParallelStateEntered Both',
        'ParallelStateExited Both',
      ]);

      const direct = events.findIndex((e) => e.stateEnteredEventDetails?.name === 'Direct');
      expect(events.slice(direct, direct + 5).map((e) => e.type)).toEqual([
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
      ]);
      expect(events[direct + 1]?.lambdaFunctionScheduledEventDetails?.resource).toBe(
        cdkSubstitution('DirectFunctionArn'),
      );
      expect(JSON.parse(events[direct + 4]?.stateExitedEventDetails?.output ?? '')).toMatchObject({
        direct: true,
      });

      expect(steps(events).slice(-6)).toEqual([
        'TaskScheduled (TooSlow)',
        'TaskStarted (TooSlow)',
        'TaskTimedOut (TooSlow)',
        'TaskStateExited TooSlow',
        'FailStateEntered GiveUp',
        'ExecutionFailed',
      ]);
      expect(events.at(-4)?.taskTimedOutEventDetails).toMatchObject({ error: 'States.Timeout' });
      expect(events.at(-1)?.executionFailedEventDetails).toEqual({});

      // The handler's late answer changes nothing.
      await slowFinished;
      expect(await history(client, executionArn)).toHaveLength(events.length);
    } finally {
      client.destroy();
      await server.close();
      await sfn.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('LocalStepFunctions execution status changes (the EventBridge events of Step Functions)', () => {
  it('tells onStatusChange each execution that ends, in the event shape EventBridge delivers; not those the platform stops', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-events-'));
    const events: Array<{ 'detail-type': string; source: string; detail: Record<string, unknown> }> = [];
    const sfn = new LocalStepFunctions({ dataDir, onStatusChange: (event) => events.push(event) });
    await sfn.load();
    const handlers = makeTestHandlers();
    const { stateMachineArn } = sfn.registerStateMachine({
      name: 'wharf-test-slow',
      definition: testWorkflowDefinition,
      taskHandlers: handlers.taskHandlers,
      ...slow,
    });
    const server = await serveStepFunctions(sfn);
    const client = sfnClient(server.endpoint);
    try {
      const executionArn = await start(client, stateMachineArn, 'aborted-1', { scenario: 'slow' });
      await client.send(new StopExecutionCommand({ executionArn, cause: 'stopped from the console' }));
      const input = JSON.stringify({ scenario: 'slow' });
      expect(events).toEqual([
        expect.objectContaining({
          version: '0',
          'detail-type': 'Step Functions Execution Status Change',
          source: 'aws.states',
          resources: [executionArn],
          detail: expect.objectContaining({
            executionArn,
            stateMachineArn,
            name: 'aborted-1',
            status: 'ABORTED',
            input,
            inputDetails: { included: true },
            error: null,
            cause: 'stopped from the console',
          }),
        }),
      ]);

      // A platform that stops aborts what runs, and says nothing: its next start ends those runs.
      await start(client, stateMachineArn, 'running-at-stop', { scenario: 'slow' });
      await sfn.stop();
      expect(events).toHaveLength(1);
    } finally {
      client.destroy();
      await server.close();
      await sfn.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('LocalStepFunctions: .waitForTaskToken tasks', () => {
  /** Approve (waits for a token, 2 s at most) → Done; ApprovalRejected and States.Timeout → NotApproved. */
  const callbackDefinition = JSON.stringify({
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: cdkSubstitution('ApproveFunctionArn'),
          Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token' },
        },
        ResultPath: '$.approval',
        TimeoutSeconds: 2,
        Catch: [
          { ErrorEquals: ['ApprovalRejected', 'States.Timeout'], ResultPath: '$.error', Next: 'NotApproved' },
        ],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      NotApproved: { Type: 'Succeed' },
    },
  });

  let dataDir: string;
  let sfn: LocalStepFunctions;
  let server: Awaited<ReturnType<typeof serveStepFunctions>>;
  let client: SFNClient;
  let arn: string;
  /** The tokens handed to the handler, by execution name, resolved when the handler is called. */
  const tokens = new Map<string, PromiseWithResolvers<string>>();
  const tokenOf = (name: string) => {
    let entry = tokens.get(name);
    if (!entry) {
      entry = Promise.withResolvers<string>();
      tokens.set(name, entry);
    }
    return entry;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wharf-sfn-callback-'));
    sfn = new LocalStepFunctions({ dataDir });
    ({ stateMachineArn: arn } = sfn.registerStateMachine({
      name: 'wharf-test-callback',
      definition: callbackDefinition,
      taskHandlers: {
        Approve: async (payload, context) => {
          const { taskToken } = payload as { taskToken: string };
          tokenOf(context.executionName).resolve(taskToken);
          return { stored: true };
        },
      },
    }));
    server = await serveStepFunctions(sfn);
    client = sfnClient(server.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await sfn?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives each attempt a fresh unguessable token and resumes with the SendTaskSuccess output', async () => {
    const a = await start(client, arn, 'cb-ok', { runId: 'r1' });
    const b = await start(client, arn, 'cb-other', { runId: 'r2' });
    const token = await tokenOf('cb-ok').promise;
    expect(token).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(await tokenOf('cb-other').promise).not.toBe(token);
    // Waiting: nothing resumes it but the token.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await client.send(new DescribeExecutionCommand({ executionArn: a }))).status).toBe('RUNNING');

    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ decidedBy: 'bob' }) }),
    );
    const done = await waitForExecution(client, a);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ runId: 'r1', approval: { decidedBy: 'bob' } });
    expect(steps(await history(client, a))).toEqual([
      'ExecutionStarted',
      'TaskStateEntered Approve',
      'TaskScheduled (Approve)',
      'TaskStarted (Approve)',
      'TaskSubmitted (Approve)',
      'TaskSucceeded (Approve)',
      'TaskStateExited Approve',
      'SucceedStateEntered Done',
      'SucceedStateExited Done',
      'ExecutionSucceeded',
    ]);
    const submitted = (await history(client, a)).find((e) => e.type === 'TaskSubmitted');
    expect(submitted?.taskSubmittedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
    // Answered once: the token is spent.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await client.send(new StopExecutionCommand({ executionArn: b }));
  });

  it('fails the task with the SendTaskFailure error and cause, which Catch matches', async () => {
    const executionArn = await start(client, arn, 'cb-reject', { runId: 'r3' });
    const taskToken = await tokenOf('cb-reject').promise;
    await client.send(
      new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause: 'Rejected by bob: not now' }),
    );
    const done = await waitForExecution(client, executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual({
      runId: 'r3',
      error: { Error: 'ApprovalRejected', Cause: 'Rejected by bob: not now' },
    });
    const failed = (await history(client, executionArn)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      error: 'ApprovalRejected',
      cause: 'Rejected by bob: not now',
    });
  });

  it('times out with States.Timeout when nobody answers, and the token then answers TaskTimedOut', async () => {
    const executionArn = await start(client, arn, 'cb-timeout', { runId: 'r4' });
    const taskToken = await tokenOf('cb-timeout').promise;
    const done = await waitForExecution(client, executionArn, undefined, 5_000);
    expect(JSON.parse(done.output ?? '')).toMatchObject({ error: { Error: 'States.Timeout' } });
    expect(steps(await history(client, executionArn))).toContain('TaskTimedOut (Approve)');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('stops waiting when the execution is stopped', async () => {
    const executionArn = await start(client, arn, 'cb-stop', { runId: 'r5' });
    const taskToken = await tokenOf('cb-stop').promise;
    await client.send(new StopExecutionCommand({ executionArn, error: 'Stopped', cause: 'by a test' }));
    expect((await waitForExecution(client, executionArn)).status).toBe('ABORTED');
    await expect(
      client.send(new SendTaskFailureCommand({ taskToken, error: 'x', cause: 'y' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('refuses tokens it never issued and malformed ones, as AWS does', async () => {
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'A'.repeat(64), output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    const executionArn = await start(client, arn, 'cb-bad-output', { runId: 'r6' });
    const taskToken = await tokenOf('cb-bad-output').promise;
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken, output: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidOutput);
    await client.send(new StopExecutionCommand({ executionArn }));
  });
});
