import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/**
 * `npm run sfn -- list | describe <executionName> | history <executionName>`: what an operator
 * reads about deploy runs (a run id is its execution name), from the running local stack or any
 * Step Functions endpoint the SDK can reach.
 */

export const SFN_USAGE = `Usage: npm run sfn -- <command>
  list [--status RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED] [--limit N]   newest executions first
  describe <executionName>                                                 status, input, output, error
  history <executionName>                                                  the execution's events`;

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const DETAIL_WIDTH = 90;

/** A problem to show the operator as is (no stack trace). */
export class SfnCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'SfnCommandError';
  }
}

export interface RunningStepFunctions {
  stepFunctionsEndpoint: string;
  stateMachineArn: string;
}

/** The Step Functions endpoint and deploy state machine `npm start` wrote into `<dataDir>/stack.json`. */
export async function readRunningStepFunctions(dataDir: string): Promise<RunningStepFunctions> {
  let stack: Partial<RunningStepFunctions>;
  try {
    stack = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8'));
  } catch {
    throw new SfnCommandError(
      'Wharf is not running here: start it with `npm start` (in another terminal) first.',
    );
  }
  if (typeof stack.stepFunctionsEndpoint !== 'string' || typeof stack.stateMachineArn !== 'string') {
    throw new SfnCommandError(
      `The running Wharf stack has no Step Functions endpoint (${join(dataDir, 'stack.json')} lacks stepFunctionsEndpoint or stateMachineArn): restart \`npm start\`.`,
    );
  }
  return { stepFunctionsEndpoint: stack.stepFunctionsEndpoint, stateMachineArn: stack.stateMachineArn };
}

/** `arn:…:stateMachine:<sm>` + a run id → `arn:…:execution:<sm>:<runId>` (an execution ARN is kept as is). */
export function executionArnOf(stateMachineArn: string, executionNameOrArn: string): string {
  if (executionNameOrArn.startsWith('arn:')) return executionNameOrArn;
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionNameOrArn}`;
}

export interface SfnCommandContext {
  client: SFNClient;
  stateMachineArn: string;
  /** For "running for …" durations. */
  now?: () => number;
}

/** Runs one command and returns the text to print. */
export async function runSfnCommand(args: readonly string[], context: SfnCommandContext): Promise<string> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'list':
        return await listCommand(rest, context);
      case 'describe':
        return await describeCommand(requireName(command, rest), context);
      case 'history':
        return await historyCommand(requireName(command, rest), context);
      default:
        throw new SfnCommandError(command ? `Unknown command '${command}'.\n${SFN_USAGE}` : SFN_USAGE, 2);
    }
  } catch (error) {
    throw explainSfnError(error, args, context);
  }
}

function requireName(command: string, rest: readonly string[]): string {
  const [name, ...extra] = rest;
  if (!name || name.startsWith('-') || extra.length > 0) {
    throw new SfnCommandError(`'${command}' takes one execution name (a run id).\n${SFN_USAGE}`, 2);
  }
  return name;
}

/** Turns SDK and network errors into a sentence for the operator. */
export function explainSfnError(error: unknown, args: readonly string[], context: SfnCommandContext): Error {
  if (error instanceof SfnCommandError) return error;
  const { name, message, code } = error as { name?: string; message?: string; code?: string };
  const executionName = args[1] ?? '';
  const machineName = context.stateMachineArn.split(':').at(-1);
  if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') {
    return new SfnCommandError(
      `No execution named '${executionName}' in ${machineName}. \`npm run sfn -- list\` shows the recent ones.`,
    );
  }
  if (name === 'StateMachineDoesNotExist') {
    return new SfnCommandError(
      `The stack does not know the state machine ${context.stateMachineArn}: restart \`npm start\`.`,
    );
  }
  if (
    code === 'ECONNREFUSED' ||
    name === 'TimeoutError' ||
    /ECONNREFUSED|fetch failed|socket hang up/.test(message ?? '')
  ) {
    return new SfnCommandError('Wharf is not answering: is `npm start` still running?');
  }
  return error instanceof Error ? error : new Error(String(error));
}

// Commands

async function listCommand(
  args: readonly string[],
  { client, stateMachineArn, now = Date.now }: SfnCommandContext,
) {
  let statusFilter: ExecutionStatus | undefined;
  let limit = 50;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (flag === '--status' && value && STATUSES.includes(value.toUpperCase())) {
      statusFilter = value.toUpperCase() as ExecutionStatus;
      i++;
    } else if (flag === '--limit' && value && /^[1-9]\d*$/.test(value)) {
      limit = Number(value);
      i++;
    } else {
      throw new SfnCommandError(`Unexpected '${flag}' for list.\n${SFN_USAGE}`, 2);
    }
  }

  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListExecutionsCommand({
        stateMachineArn,
        statusFilter,
        maxResults: Math.min(1000, limit - executions.length),
        nextToken,
      }),
    );
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && executions.length < limit);

  const machineName = stateMachineArn.split(':').at(-1);
  if (executions.length === 0) {
    return `No ${statusFilter ? `${statusFilter} ` : ''}executions of ${machineName} yet.`;
  }
  const rows = executions.map((execution) => {
    const start = execution.startDate?.getTime();
    const stop = execution.stopDate?.getTime();
    return [
      execution.name ?? '',
      execution.status ?? '',
      start === undefined ? '' : formatTime(start),
      start === undefined
        ? ''
        : `${formatDuration((stop ?? now()) - start)}${stop === undefined ? ' so far' : ''}`,
    ];
  });
  const more = nextToken ? `\n(the ${limit} newest; \`--limit N\` shows more)` : '';
  return `${machineName}\n${table(['NAME', 'STATUS', 'STARTED', 'DURATION'], rows)}${more}`;
}

async function describeCommand(
  executionName: string,
  { client, stateMachineArn, now = Date.now }: SfnCommandContext,
) {
  const execution = await client.send(
    new DescribeExecutionCommand({ executionArn: executionArnOf(stateMachineArn, executionName) }),
  );
  return formatDescription(execution, now());
}

export function formatDescription(execution: DescribeExecutionCommandOutput, now: number): string {
  const start = execution.startDate?.getTime();
  const stop = execution.stopDate?.getTime();
  const fields: [string, string | undefined][] = [
    ['Execution', execution.name],
    ['Status', execution.status],
    ['Started', start === undefined ? undefined : formatTime(start)],
    ['Stopped', stop === undefined ? undefined : formatTime(stop)],
    [
      'Duration',
      start === undefined
        ? undefined
        : `${formatDuration((stop ?? now) - start)}${stop === undefined ? ' so far' : ''}`,
    ],
    ['ARN', execution.executionArn],
    ['Error', execution.error],
  ];
  const lines = fields
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => `${label.padEnd(10)}${value}`);
  const blocks: [string, string | undefined][] = [
    ['Input', execution.input],
    ['Output', execution.output],
    ['Cause', execution.cause],
  ];
  for (const [label, value] of blocks) {
    if (value === undefined) continue;
    lines.push('', label, indent(label === 'Cause' ? formatCause(value) : prettyJson(value)));
  }
  return lines.join('\n');
}

async function historyCommand(executionName: string, { client, stateMachineArn }: SfnCommandContext) {
  const executionArn = executionArnOf(stateMachineArn, executionName);
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return formatHistory(events);
}

export function formatHistory(events: readonly HistoryEvent[]): string {
  const first = events[0]?.timestamp?.getTime() ?? 0;
  let currentState = '';
  const rows = events.map((event) => {
    const entered = event.stateEnteredEventDetails?.name;
    const exited = event.stateExitedEventDetails?.name;
    if (entered) currentState = entered;
    const type = event.type ?? '';
    const state = entered ?? exited ?? (type.startsWith('Execution') ? '' : currentState);
    const offset = (event.timestamp?.getTime() ?? first) - first;
    return [String(event.id ?? ''), `+${(offset / 1000).toFixed(3)}s`, type, state, eventDetail(event)];
  });
  const firstTime = events[0]?.timestamp;
  const header = firstTime
    ? `Started ${formatTime(firstTime.getTime())}; times are offsets from the start.\n`
    : '';
  return `${header}${table(['ID', 'TIME', 'TYPE', 'STATE', 'DETAIL'], rows)}`;
}

/** The one thing worth reading about an event, on one line. */
function eventDetail(event: HistoryEvent): string {
  const failure =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.executionFailedEventDetails ??
    event.executionAbortedEventDetails ??
    event.executionTimedOutEventDetails;
  if (failure)
    return shorten([failure.error, failure.cause && causeSummary(failure.cause)].filter(Boolean).join(': '));
  const scheduled = event.taskScheduledEventDetails;
  if (scheduled) {
    const functionName = (parseJson(scheduled.parameters ?? '') as { FunctionName?: unknown } | undefined)
      ?.FunctionName;
    return shorten(
      `${scheduled.resourceType}:${scheduled.resource}${typeof functionName === 'string' ? ` ${functionName}` : ''}`,
    );
  }
  const iteration =
    event.mapIterationStartedEventDetails ??
    event.mapIterationSucceededEventDetails ??
    event.mapIterationFailedEventDetails;
  if (iteration) return `item ${iteration.index}`;
  // A state's input is the previous state's output: show data where a state produced it.
  const producesData = /^(Task|Pass|Map|Parallel)StateExited$/.test(event.type ?? '');
  const data =
    event.executionStartedEventDetails?.input ??
    (producesData ? event.stateExitedEventDetails?.output : undefined) ??
    event.taskSucceededEventDetails?.output ??
    event.lambdaFunctionSucceededEventDetails?.output ??
    event.executionSucceededEventDetails?.output;
  return data === undefined ? '' : shorten(data);
}

/** A Lambda error cause (`{"errorType","errorMessage","trace"}`) reads as its message. */
function causeSummary(cause: string): string {
  const parsed = parseJson(cause) as { errorMessage?: unknown } | undefined;
  return typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : cause;
}

function formatCause(cause: string): string {
  const parsed = parseJson(cause) as
    | { errorType?: unknown; errorMessage?: unknown; trace?: unknown }
    | undefined;
  if (typeof parsed?.errorMessage === 'string') {
    const trace = Array.isArray(parsed.trace) ? parsed.trace.slice(1).map(String) : [];
    return [
      `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage}`,
      ...trace.map((line) => line.trimEnd()),
    ].join('\n');
  }
  return prettyJson(cause);
}

// Formatting

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function prettyJson(text: string): string {
  const parsed = parseJson(text);
  return parsed === undefined ? text : JSON.stringify(parsed, null, 2);
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > DETAIL_WIDTH ? `${oneLine.slice(0, DETAIL_WIDTH - 1)}…` : oneLine;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Local time, `YYYY-MM-DD HH:MM:SS`. */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3_600)}h ${String(Math.floor((seconds % 3_600) / 60)).padStart(2, '0')}m`;
}
