import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { LocalStepFunctions, StateMachineRegistration, TaskContext } from '../local-step-functions.ts';

/** A `${Name}` placeholder, as the CDK app substitutes into the real definition. */
export const cdkSubstitution = (name: string) => `\${${name}}`;

/**
 * A small deploy-shaped workflow, written like the real one: lambda:invoke tasks reading `$.Payload`,
 * a build poll loop (Choice + Wait), Retry on TransientError with backoff, Catch to a failure path.
 * Each execution's input picks a scenario: ok | flaky | broken | slow.
 */
export const testWorkflowDefinition = JSON.stringify(
  {
    Comment: 'Deploy-shaped workflow for the local Step Functions tests',
    StartAt: 'StartRun',
    States: {
      StartRun: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: cdkSubstitution('StartRunFunctionArn'), 'Payload.$': '$' },
        ResultSelector: { 'runId.$': '$.Payload.runId', 'statusCode.$': '$.StatusCode' },
        ResultPath: '$.run',
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'FailRun' }],
        Next: 'PollBuild',
      },
      PollBuild: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: cdkSubstitution('PollBuildFunctionArn'),
          Payload: { 'runId.$': '$.run.runId', 'scenario.$': '$.scenario' },
        },
        ResultSelector: { 'status.$': '$.Payload.status' },
        ResultPath: '$.build',
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'FailRun' }],
        Next: 'IsBuilt',
      },
      IsBuilt: {
        Type: 'Choice',
        Choices: [{ Variable: '$.build.status', StringEquals: 'done', Next: 'FinishRun' }],
        Default: 'WaitForBuild',
      },
      WaitForBuild: { Type: 'Wait', Seconds: 30, Next: 'PollBuild' },
      FinishRun: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: cdkSubstitution('FinishRunFunctionArn'),
          Payload: { 'runId.$': '$.run.runId', outcome: 'deployed' },
        },
        ResultSelector: { 'status.$': '$.Payload.status', 'runId.$': '$.Payload.runId' },
        ResultPath: '$.finish',
        OutputPath: '$.finish',
        End: true,
      },
      FailRun: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: cdkSubstitution('FailRunFunctionArn'), 'Payload.$': '$' },
        ResultPath: null,
        Next: 'RunFailed',
      },
      RunFailed: { Type: 'Fail', Error: 'RunFailed', Cause: 'The run ended in failure' },
    },
  },
  null,
  2,
);

export class TransientError extends Error {
  override name = 'TransientError';
}

export class BuildRejectedError extends Error {
  override name = 'BuildRejectedError';
}

export interface HandlerCall {
  stateName: string;
  payload: unknown;
  context: TaskContext;
}

type Scenario = 'ok' | 'flaky' | 'broken' | 'slow';

/** Handlers for the test workflow, recording every call. */
export function makeTestHandlers(): {
  taskHandlers: StateMachineRegistration['taskHandlers'];
  calls: HandlerCall[];
  callsOf: (executionName: string, stateName: string) => HandlerCall[];
} {
  const calls: HandlerCall[] = [];
  const callsOf = (executionName: string, stateName: string) =>
    calls.filter((c) => c.context.executionName === executionName && c.stateName === stateName);
  const record = (payload: unknown, context: TaskContext) => {
    calls.push({ stateName: context.stateName, payload, context });
    return callsOf(context.executionName, context.stateName).length;
  };
  return {
    calls,
    callsOf,
    taskHandlers: {
      StartRun: async (payload, context) => {
        const attempt = record(payload, context);
        const { scenario } = payload as { scenario: Scenario };
        if (scenario === 'flaky' && attempt <= 2)
          throw new TransientError(`Jenkins is busy (attempt ${attempt})`);
        if (scenario === 'broken') throw new BuildRejectedError('Jenkins rejected the job');
        return { runId: `run-${context.executionName}` };
      },
      PollBuild: async (payload, context) => {
        const polls = record(payload, context);
        const { scenario } = payload as { scenario: Scenario };
        return { status: scenario !== 'slow' && polls >= 2 ? 'done' : 'building' };
      },
      FinishRun: async (payload, context) => {
        record(payload, context);
        return { status: 'deployed', runId: (payload as { runId: string }).runId };
      },
      FailRun: async (payload, context) => {
        record(payload, context);
        return { status: 'failed' };
      },
    },
  };
}

/** Serves `handle` on a throwaway loopback port. */
export async function serveStepFunctions(
  sfn: LocalStepFunctions,
): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => void sfn.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
}

/** Polls DescribeExecution until the execution is no longer RUNNING (or `until` holds). */
export async function waitForExecution(
  client: SFNClient,
  executionArn: string,
  until: (execution: DescribeExecutionCommandOutput) => boolean = (e) => e.status !== 'RUNNING',
  timeoutMs = 5_000,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (until(execution)) return execution;
    if (Date.now() > deadline) throw new Error(`${executionArn} is still ${execution.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
