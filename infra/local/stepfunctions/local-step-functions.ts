import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import {
  type HistoryEvent,
  HistoryRecorder,
  type StateDefinition,
  type TaskAttempt,
} from './execution-history.ts';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore } from './execution-store.ts';
import {
  decodeToken,
  epochSeconds,
  isValidExecutionName,
  optionalBoolean,
  optionalString,
  pageSize,
  paginate,
  readJsonRequest,
  requiredString,
  SfnServiceError,
  sendError,
  sendResult,
  TARGET_PREFIX,
} from './sfn-protocol.ts';
import {
  handlerPayload,
  jsonRoundTrip,
  replaceString,
  type TaskContext,
  type TaskHandler,
  taskIntegration,
  taskResult,
  toLambdaFunctionError,
} from './task-integration.ts';

export type { ExecutionRecord, ExecutionStatus } from './execution-store.ts';
export type { TaskContext, TaskHandler } from './task-integration.ts';

export interface LocalStepFunctionsOptions {
  /** Executions are kept in `<dataDir>/executions.json`. */
  dataDir: string;
  region?: string;
  accountId?: string;
  /** History events kept per execution (ExecutionStarted and the newest ones). AWS allows 25,000. */
  maxHistoryEvents?: number;
  /** Closed executions kept; the oldest are forgotten beyond this. */
  maxExecutions?: number;
  /**
   * Told each execution that ends (not those aborted because this endpoint stops), with the event
   * Step Functions sends EventBridge ("Step Functions Execution Status Change"): the local rules.
   */
  onStatusChange?: (event: ExecutionStatusChange) => void;
}

/** The EventBridge event of an execution's status change, as AWS delivers it to a rule's target. */
export interface ExecutionStatusChange {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    startDate: number;
    stopDate: number | null;
    input: string;
    output: string | null;
    inputDetails: { included: true };
    outputDetails: { included: true } | null;
    error: string | null;
    cause: string | null;
  };
}

export interface StateMachineRegistration {
  name: string;
  /** The ASL definition as JSON text, `${…}` substitution placeholders left in. */
  definition: string;
  /** The local handler of every Task state, by state name. */
  taskHandlers: Record<string, TaskHandler>;
  /** Wait states that pause this many milliseconds instead of their Seconds/Timestamp. */
  waitTimeOverrides?: Record<string, number>;
  /** Retry pauses in milliseconds instead of IntervalSeconds × BackoffRate, per state (one per retrier). */
  retryIntervalOverrides?: Record<string, number | number[]>;
}

type LocalTaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = Parameters<LocalTaskHandlers[string]>[0];
type TaskState = Extract<StateDefinition, { Type: 'Task' }>;

interface RegisteredStateMachine {
  seq: number;
  arn: string;
  name: string;
  definition: string;
  roleArn: string;
  creationDate: number;
  machine: StateMachine;
  states: Map<string, StateDefinition>;
  taskStates: Map<string, TaskState>;
  registration: StateMachineRegistration;
}

interface LiveExecution {
  aborted: boolean;
  /** The library's run has returned; the execution is being closed. */
  resultSettled: boolean;
  abort(): void;
  /** Settles once the execution is closed and its history complete. */
  done: Promise<void>;
}

export const STOPPED_ERROR = 'States.Runtime';
export const STOPPED_CAUSE = 'the local stack stopped during this execution';
/**
 * aws-local-stepfunctions times a Task out after 60 s unless it sets TimeoutSeconds; Step Functions
 * waits for the Lambda function, which runs 900 s at most. Task states without a timeout get this.
 */
const LOCAL_TASK_TIMEOUT_SECONDS = 900;
const STATUSES: ReadonlySet<string> = new Set<ExecutionStatus>([
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
]);
/**
 * What `$$.Task.Token` reads while Parameters are evaluated: the library's context object is one per
 * execution, so the real token (one per task attempt) replaces this in the task input before the
 * handler sees it. Random per process, so no state input can hold it by chance.
 */
const TASK_TOKEN_PLACEHOLDER = `wharf-task-token-${randomUUID()}`;
/** Local task tokens: unguessable (384 random bits), base64url. AWS allows 1–2048 characters. */
const TASK_TOKEN = /^[A-Za-z0-9_-]{64}$/;
/** Tokens of closed tasks remembered, to answer TaskTimedOut rather than TaskDoesNotExist. */
const MAX_CLOSED_TOKENS = 10_000;

/** A `.waitForTaskToken` task attempt waiting for SendTaskSuccess / SendTaskFailure. */
interface WaitingTask {
  executionArn: string;
  attempt: TaskAttempt | undefined;
  settle(outcome: { output: unknown } | { error: string; cause: string }): void;
}

const STATE_MACHINE_ARN = /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/**
 * Step Functions on this machine: runs registered ASL definitions with aws-local-stepfunctions and
 * serves the Step Functions API subset Wharf uses (AWS JSON 1.0, so `@aws-sdk/client-sfn` works
 * with only `endpoint` set). Executions and their histories survive restarts in `executions.json`.
 */
export class LocalStepFunctions {
  readonly region: string;
  readonly accountId: string;
  readonly #maxHistoryEvents: number;
  readonly #maxExecutions: number;
  readonly #machines = new Map<string, RegisteredStateMachine>();
  readonly #executions = new Map<string, ExecutionRecord>();
  readonly #live = new Map<string, LiveExecution>();
  readonly #waiting = new Map<string, WaitingTask>();
  readonly #closedTokens = new Set<string>();
  readonly #store: ExecutionStore;
  readonly #onStatusChange: LocalStepFunctionsOptions['onStatusChange'];
  #executionSeq = 0;
  #machineSeq = 0;
  #stopped = false;

  readonly #operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution: (body) => this.#startExecution(body),
    DescribeExecution: (body) => this.#describeExecution(body),
    StopExecution: (body) => this.#stopExecution(body),
    GetExecutionHistory: (body) => this.#getExecutionHistory(body),
    ListExecutions: (body) => this.#listExecutions(body),
    DescribeStateMachine: (body) => this.#describeStateMachine(body),
    ListStateMachines: (body) => this.#listStateMachines(body),
    SendTaskSuccess: (body) => this.#sendTaskSuccess(body),
    SendTaskFailure: (body) => this.#sendTaskFailure(body),
  };

  constructor(options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.#maxHistoryEvents = Math.max(2, options.maxHistoryEvents ?? 25_000);
    this.#maxExecutions = options.maxExecutions ?? 1_000;
    this.#onStatusChange = options.onStatusChange;
    this.#store = new ExecutionStore(join(options.dataDir, 'executions.json'), () => [
      ...this.#executions.values(),
    ]);
  }

  /**
   * Reads the executions kept by an earlier run. One that was RUNNING when that process stopped
   * can't be resumed: it becomes ABORTED (States.Runtime).
   */
  async load(): Promise<void> {
    let changed = false;
    for (const record of await this.#store.read()) {
      if (this.#executions.has(record.executionArn)) continue;
      if (record.status === 'RUNNING') {
        const lastEvent = record.history.at(-1);
        const stopDate = Math.max(lastEvent?.timestamp ?? record.startDate, record.startDate);
        Object.assign(record, { status: 'ABORTED', stopDate, error: STOPPED_ERROR, cause: STOPPED_CAUSE });
        const id = (lastEvent?.id ?? 0) + 1;
        record.history.push({
          id,
          previousEventId: id - 1,
          timestamp: stopDate,
          type: 'ExecutionAborted',
          executionAbortedEventDetails: { error: STOPPED_ERROR, cause: STOPPED_CAUSE },
        });
        changed = true;
      }
      this.#executions.set(record.executionArn, record);
      this.#executionSeq = Math.max(this.#executionSeq, record.seq);
    }
    if (changed) await this.#store.flush();
  }

  /**
   * Makes a state machine available (again, with new handlers, if the name is taken; running
   * executions keep the version they started with). Every Task state needs a handler.
   */
  registerStateMachine(registration: StateMachineRegistration): { stateMachineArn: string } {
    const { name } = registration;
    if (!isValidExecutionName(name)) throw new Error(`Invalid state machine name: '${name}'`);
    let definition: StateMachineDefinition;
    try {
      definition = JSON.parse(registration.definition) as StateMachineDefinition;
    } catch (error) {
      throw new Error(`State machine ${name}: the definition is not JSON (${(error as Error).message})`);
    }
    if (!definition || typeof definition !== 'object' || typeof definition.States !== 'object') {
      throw new Error(`State machine ${name}: the definition has no States`);
    }

    const states = new Map<string, StateDefinition>();
    collectStates(definition.States, states);
    const taskStates = new Map<string, TaskState>();
    for (const [stateName, state] of states) if (state.Type === 'Task') taskStates.set(stateName, state);
    checkOverrides(name, registration, states, taskStates);

    // Validated once here. ARNs hold `${…}` placeholders that CDK substitutes, so they go unchecked
    // (and a placeholder Resource is validated as a Lambda ARN). The running copy skips validation,
    // which the library would otherwise repeat (~100 ms) for every Map iteration and Parallel branch.
    new StateMachine(withPlaceholderResourcesAsArns(definition, this.region, this.accountId), {
      validationOptions: { checkArn: false },
    });
    const machine = new StateMachine(withLocalTaskTimeouts(definition), {
      validationOptions: { noValidate: true },
    });
    const arn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
    this.#machines.set(arn, {
      seq: this.#machines.get(arn)?.seq ?? ++this.#machineSeq,
      arn,
      name,
      definition: registration.definition,
      roleArn: `arn:aws:iam::${this.accountId}:role/${name}-local-role`,
      creationDate: Date.now(),
      machine,
      states,
      taskStates,
      registration,
    });
    return { stateMachineArn: arn };
  }

  /** The Step Functions API (AWS JSON 1.0) for `node:http`: `POST /` with `x-amz-target`. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'POST') {
        throw new SfnServiceError(
          'UnknownOperationException',
          'Send Step Functions API calls as POST /.',
          404,
        );
      }
      const target = req.headers['x-amz-target'];
      const name =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : undefined;
      const body = await readJsonRequest(req);
      const operation = name === undefined ? undefined : this.#operations[name];
      if (!operation) {
        throw new SfnServiceError(
          'UnknownOperationException',
          `The local Step Functions endpoint does not support ${name ?? 'this request'}; it serves ${Object.keys(this.#operations).join(', ')}.`,
        );
      }
      sendResult(res, await operation(body));
    } catch (error) {
      if (!(error instanceof SfnServiceError)) console.error('Local Step Functions: internal error', error);
      sendError(res, error);
    }
  }

  /** Writes pending changes to `executions.json` now. */
  flush(): Promise<void> {
    return this.#store.flush();
  }

  /** Aborts the running executions (States.Runtime, "the local stack stopped…") and saves. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const closing: Promise<void>[] = [];
    for (const [executionArn, live] of this.#live) {
      const record = this.#executions.get(executionArn);
      if (record?.status === 'RUNNING' && !live.resultSettled) {
        markAborted(record, STOPPED_ERROR, STOPPED_CAUSE);
        live.abort();
      }
      closing.push(live.done);
    }
    await Promise.allSettled(closing);
    await this.#store.flush();
  }

  // Operations

  #startExecution(body: Record<string, unknown>) {
    if (this.#stopped) {
      throw new SfnServiceError('ServiceUnavailable', 'The local Step Functions endpoint is stopping.', 503);
    }
    const machine = this.#stateMachine(requiredString(body, 'stateMachineArn'));
    const name = optionalString(body, 'name') ?? randomUUID();
    if (!isValidExecutionName(name)) throw new SfnServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = optionalString(body, 'input') ?? '{}';
    let parsedInput: JSONValue;
    try {
      parsedInput = JSON.parse(input) as JSONValue;
    } catch (error) {
      throw new SfnServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }

    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.#executions.get(executionArn);
    if (existing) {
      // AWS: the same name and input while the execution runs is the same start (idempotent).
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: epochSeconds(existing.startDate) };
      }
      throw new SfnServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }

    const record: ExecutionRecord = {
      seq: ++this.#executionSeq,
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: Date.now(),
      input,
      history: [],
    };
    this.#executions.set(executionArn, record);
    this.#forgetOldExecutions();
    this.#run(machine, record, parsedInput);
    return { executionArn, startDate: epochSeconds(record.startDate) };
  }

  #describeExecution(body: Record<string, unknown>) {
    const record = this.#execution(requiredString(body, 'executionArn'));
    return {
      ...executionListItem(record),
      input: record.input,
      inputDetails: { included: true },
      ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
    };
  }

  async #stopExecution(body: Record<string, unknown>) {
    const record = this.#execution(requiredString(body, 'executionArn'));
    const error = optionalString(body, 'error');
    const cause = optionalString(body, 'cause');
    if ((error?.length ?? 0) > 256 || (cause?.length ?? 0) > 32_768) {
      throw new SfnServiceError(
        'ValidationException',
        'error is limited to 256 and cause to 32768 characters.',
      );
    }
    const live = this.#live.get(record.executionArn);
    if (record.status === 'RUNNING' && live && !live.resultSettled) {
      markAborted(record, error, cause);
      live.abort();
    }
    // Answer once the history is complete, so a following GetExecutionHistory sees the end.
    await live?.done;
    return { stopDate: epochSeconds(record.stopDate ?? Date.now()) };
  }

  #getExecutionHistory(body: Record<string, unknown>) {
    const record = this.#execution(requiredString(body, 'executionArn'));
    const reverseOrder = optionalBoolean(body, 'reverseOrder') ?? false;
    const includeExecutionData = optionalBoolean(body, 'includeExecutionData') ?? true;
    const events = reverseOrder ? [...record.history].reverse() : record.history;
    const { page, nextToken } = paginate(events, (event) => event.id, {
      after: decodeToken('history', optionalString(body, 'nextToken')),
      size: pageSize(body),
      descending: reverseOrder,
      tokenKind: 'history',
    });
    return { events: page.map((event) => wireEvent(event, includeExecutionData)), nextToken };
  }

  #listExecutions(body: Record<string, unknown>) {
    const machine = this.#stateMachine(requiredString(body, 'stateMachineArn'));
    const statusFilter = optionalString(body, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.has(statusFilter)) {
      throw new SfnServiceError(
        'ValidationException',
        `Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${[...STATUSES].join(', ')}]`,
      );
    }
    const newestFirst = [...this.#executions.values()]
      .filter((r) => r.stateMachineArn === machine.arn && (!statusFilter || r.status === statusFilter))
      .sort((a, b) => b.seq - a.seq);
    const { page, nextToken } = paginate(newestFirst, (record) => record.seq, {
      after: decodeToken('executions', optionalString(body, 'nextToken')),
      size: pageSize(body),
      descending: true,
      tokenKind: 'executions',
    });
    return { executions: page.map(executionListItem), nextToken };
  }

  #describeStateMachine(body: Record<string, unknown>) {
    const machine = this.#stateMachine(requiredString(body, 'stateMachineArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: epochSeconds(machine.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  #listStateMachines(body: Record<string, unknown>) {
    const machines = [...this.#machines.values()].sort((a, b) => a.seq - b.seq);
    const { page, nextToken } = paginate(machines, (machine) => machine.seq, {
      after: decodeToken('stateMachines', optionalString(body, 'nextToken')),
      size: pageSize(body),
      descending: false,
      tokenKind: 'stateMachines',
    });
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: epochSeconds(machine.creationDate),
      })),
      nextToken,
    };
  }

  /** SendTaskSuccess: the waiting task succeeds with `output` (a JSON text) as its result. */
  #sendTaskSuccess(body: Record<string, unknown>) {
    const token = requiredString(body, 'taskToken');
    const text = requiredString(body, 'output');
    let output: unknown;
    try {
      output = JSON.parse(text);
    } catch {
      throw new SfnServiceError('InvalidOutput', 'Invalid Output: the output is not valid JSON.');
    }
    this.#claimTask(token).settle({ output });
    return {};
  }

  /** SendTaskFailure: the waiting task fails with `error` and `cause`, which Retry/Catch match. */
  #sendTaskFailure(body: Record<string, unknown>) {
    const token = requiredString(body, 'taskToken');
    const error = optionalString(body, 'error') ?? '';
    const cause = optionalString(body, 'cause') ?? '';
    if (error.length > 256 || cause.length > 32_768) {
      throw new SfnServiceError(
        'ValidationException',
        'error is limited to 256 and cause to 32768 characters.',
      );
    }
    this.#claimTask(token).settle({ error, cause });
    return {};
  }

  /**
   * The task a token names, taken off the waiting list. As in AWS: a token that is not one →
   * InvalidToken; one this endpoint never issued (or forgot, across a restart) → TaskDoesNotExist;
   * one whose task already closed (answered, timed out, its execution ended) → TaskTimedOut.
   */
  #claimTask(token: string): WaitingTask {
    if (token.length > 2048 || !TASK_TOKEN.test(token)) {
      throw new SfnServiceError('InvalidToken', "Invalid Token: 'Provided task token is malformed'");
    }
    const task = this.#waiting.get(token);
    if (!task || !(task.attempt?.open ?? true)) {
      if (task) this.#closeToken(token);
      if (task || this.#closedTokens.has(token)) {
        throw new SfnServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
      }
      throw new SfnServiceError('TaskDoesNotExist', 'Task Does Not Exist: no task waits for this token.');
    }
    this.#closeToken(token);
    return task;
  }

  #closeToken(token: string): void {
    this.#waiting.delete(token);
    this.#closedTokens.add(token);
    if (this.#closedTokens.size > MAX_CLOSED_TOKENS) {
      const oldest = this.#closedTokens.values().next().value;
      if (oldest !== undefined) this.#closedTokens.delete(oldest);
    }
  }

  /** The execution ended (or stopped): its waiting tasks stop waiting, their tokens answer TaskTimedOut. */
  #releaseWaitingTasks(executionArn: string): void {
    for (const [token, task] of this.#waiting) {
      if (task.executionArn !== executionArn) continue;
      this.#closeToken(token);
      task.settle({ error: STOPPED_ERROR, cause: 'The execution ended while the task waited.' });
    }
  }

  // Executions

  #run(machine: RegisteredStateMachine, record: ExecutionRecord, input: JSONValue): void {
    const recorder = new HistoryRecorder({
      history: record.history,
      maxEvents: this.#maxHistoryEvents,
      states: machine.states,
      region: this.region,
      roleArn: machine.roleArn,
      abortDetails: () => definedOnly({ error: record.error, cause: record.cause }),
      onChange: () => this.#store.scheduleWrite(),
    });
    const live: LiveExecution = {
      aborted: false,
      resultSettled: false,
      abort: () => {},
      done: Promise.resolve(),
    };
    const { registration } = machine;
    let execution: ReturnType<StateMachine['run']>;
    try {
      execution = machine.machine.run(input, {
        overrides: {
          taskResourceLocalHandlers: this.#taskOverrides(machine, record, recorder, live),
          waitTimeOverrides: registration.waitTimeOverrides ?? {},
          retryIntervalOverrides: registration.retryIntervalOverrides ?? {},
        },
        noThrowOnAbort: true,
        context: {
          Execution: {
            Id: record.executionArn,
            Name: record.name,
            RoleArn: machine.roleArn,
            StartTime: new Date(record.startDate).toISOString(),
            RedriveCount: 0,
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
          Task: { Token: TASK_TOKEN_PLACEHOLDER },
        },
      });
    } catch (error) {
      this.#close(record, recorder, { status: 'rejected', reason: error });
      return;
    }
    live.abort = () => {
      live.aborted = true;
      execution.abort();
    };
    const logRead = (async () => {
      for await (const event of execution.eventLogs) recorder.onLibraryEvent(event);
    })();
    const result = execution.result.finally(() => {
      live.resultSettled = true;
    });
    live.done = Promise.allSettled([result, logRead])
      .then(([outcome]) => this.#close(record, recorder, outcome))
      .finally(() => this.#live.delete(record.executionArn));
    this.#live.set(record.executionArn, live);
  }

  /** The library's Task overrides: each calls its handler the way Lambda's invoke integration would. */
  #taskOverrides(
    machine: RegisteredStateMachine,
    record: ExecutionRecord,
    recorder: HistoryRecorder,
    live: LiveExecution,
  ): LocalTaskHandlers {
    const overrides: LocalTaskHandlers = {};
    for (const [stateName, state] of machine.taskStates) {
      const handler = machine.registration.taskHandlers[stateName];
      if (!handler) continue;
      const integration = taskIntegration(state.Resource);
      const context: TaskContext = {
        executionArn: record.executionArn,
        executionName: record.name,
        stateName,
      };
      if (integration.waitForTaskToken) {
        overrides[stateName] = (taskInput) =>
          this.#waitForTaskToken(record, recorder, live, { stateName, state, handler, context }, taskInput);
        continue;
      }
      overrides[stateName] = async (taskInput) => {
        const attempt = await recorder.beginTask(stateName, integration, taskInput, state.TimeoutSeconds);
        if (!attempt || live.aborted) throw new Error('The execution has ended.');
        let result: unknown;
        try {
          const payload = jsonRoundTrip(handlerPayload(integration, taskInput));
          result = taskResult(integration, await handler(payload, context));
        } catch (thrown) {
          const error = toLambdaFunctionError(thrown);
          attempt.failed(error.errorType, error.message);
          throw error;
        }
        attempt.succeeded(result);
        return result as JSONValue;
      };
    }
    return overrides;
  }

  /**
   * A `.waitForTaskToken` attempt: a fresh token in place of `$$.Task.Token`, the handler called as
   * the integration calls its service (TaskSubmitted), then a wait on a promise that SendTaskSuccess,
   * SendTaskFailure or the end of the execution settles — nothing polls. The library's own race
   * against the state's TimeoutSeconds fails it with States.Timeout; the token then answers TaskTimedOut.
   */
  async #waitForTaskToken(
    record: ExecutionRecord,
    recorder: HistoryRecorder,
    live: LiveExecution,
    task: { stateName: string; state: TaskState; handler: TaskHandler; context: TaskContext },
    taskInput: JSONValue,
  ): Promise<JSONValue> {
    const { stateName, state, handler, context } = task;
    const integration = taskIntegration(state.Resource);
    const token = randomBytes(48).toString('base64url');
    const input = replaceString(taskInput, TASK_TOKEN_PLACEHOLDER, token);
    const attempt = await recorder.beginTask(stateName, integration, input, state.TimeoutSeconds);
    if (!attempt || live.aborted) throw new Error('The execution has ended.');
    // Registered before the handler runs: an answer may arrive before the handler returns.
    const answered = new Promise<{ output: unknown } | { error: string; cause: string }>((settle) => {
      this.#waiting.set(token, { executionArn: record.executionArn, attempt, settle });
    });
    try {
      const payload = jsonRoundTrip(handlerPayload(integration, input));
      attempt.submitted(taskResult(integration, await handler(payload, context)));
    } catch (thrown) {
      this.#closeToken(token);
      const error = toLambdaFunctionError(thrown);
      attempt.failed(error.errorType, error.message);
      throw error;
    }
    const outcome = await answered;
    if ('output' in outcome) {
      const result = jsonRoundTrip(outcome.output);
      attempt.succeeded(result);
      return result as JSONValue;
    }
    attempt.failed(outcome.error, outcome.cause);
    // Catch and Retry match the error name; the cause is the Catch output's Cause, as in AWS.
    const error = new Error(outcome.cause);
    error.name = outcome.error;
    throw error;
  }

  /** Sets the final status once the run has returned and its event log is read to the end. */
  #close(record: ExecutionRecord, recorder: HistoryRecorder, outcome: PromiseSettledResult<unknown>): void {
    this.#releaseWaitingTasks(record.executionArn);
    if (record.status === 'RUNNING') {
      if (outcome.status === 'fulfilled') {
        record.status = 'SUCCEEDED';
        record.output = JSON.stringify(outcome.value ?? null);
        recorder.finishUnreported({
          type: 'ExecutionSucceeded',
          timestamp: Date.now(),
          output: record.output,
        });
      } else if (outcome.reason instanceof ExecutionTimeoutError) {
        record.status = 'TIMED_OUT';
        recorder.finishUnreported({
          type: 'ExecutionTimedOut',
          timestamp: Date.now(),
          error: 'States.Timeout',
        });
        Object.assign(
          record,
          definedOnly({ error: recorder.outcome?.error, cause: recorder.outcome?.cause }),
        );
      } else {
        record.status = 'FAILED';
        recorder.finishUnreported({
          type: 'ExecutionFailed',
          timestamp: Date.now(),
          ...failureOf(outcome.reason),
        });
        Object.assign(
          record,
          definedOnly({ error: recorder.outcome?.error, cause: recorder.outcome?.cause }),
        );
      }
      record.stopDate = recorder.outcome?.timestamp ?? Date.now();
    } else {
      recorder.finishUnreported({
        type: 'ExecutionAborted',
        timestamp: record.stopDate ?? Date.now(),
        ...definedOnly({ error: record.error, cause: record.cause }),
      });
    }
    this.#store.scheduleWrite();
    if (!this.#stopped) this.#announce(record);
  }

  /** The execution's end, to the local rules, as Step Functions tells EventBridge. */
  #announce(record: ExecutionRecord): void {
    if (!this.#onStatusChange) return;
    const event: ExecutionStatusChange = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: this.accountId,
      time: new Date(record.stopDate ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [record.executionArn],
      detail: {
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: record.startDate,
        stopDate: record.stopDate ?? null,
        input: record.input,
        output: record.output ?? null,
        inputDetails: { included: true },
        outputDetails: record.output === undefined ? null : { included: true },
        error: record.error ?? null,
        cause: record.cause ?? null,
      },
    };
    try {
      this.#onStatusChange(event);
    } catch (error) {
      console.error('Local Step Functions: the status change listener failed', error);
    }
  }

  #forgetOldExecutions(): void {
    if (this.#executions.size <= this.#maxExecutions) return;
    const oldestFirst = [...this.#executions.values()].sort((a, b) => a.seq - b.seq);
    for (const record of oldestFirst) {
      if (this.#executions.size <= this.#maxExecutions) break;
      if (record.status !== 'RUNNING') this.#executions.delete(record.executionArn);
    }
  }

  #stateMachine(arn: string): RegisteredStateMachine {
    if (!STATE_MACHINE_ARN.test(arn)) throw new SfnServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = this.#machines.get(arn);
    if (!machine) {
      throw new SfnServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    return machine;
  }

  #execution(arn: string): ExecutionRecord {
    if (!EXECUTION_ARN.test(arn)) throw new SfnServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
    const record = this.#executions.get(arn);
    if (!record) throw new SfnServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }
}

function markAborted(record: ExecutionRecord, error: string | undefined, cause: string | undefined): void {
  record.status = 'ABORTED';
  record.stopDate = Date.now();
  delete record.error;
  delete record.cause;
  Object.assign(record, definedOnly({ error, cause }));
}

function executionListItem(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate === undefined ? {} : { stopDate: epochSeconds(record.stopDate) }),
  };
}

/** A history event as GetExecutionHistory sends it; without input/output unless asked for. */
function wireEvent(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...event, timestamp: epochSeconds(event.timestamp) };
  if (!includeExecutionData) {
    for (const [key, value] of Object.entries(event)) {
      if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      wire[key] = rest;
    }
  }
  return wire;
}

/** Error and cause of a run that rejected: the state's error for ExecutionError, else States.Runtime. */
function failureOf(reason: unknown): { error: string; cause: string } {
  const error = reason instanceof ExecutionError && reason.cause instanceof Error ? reason.cause : reason;
  if (error instanceof Error) return { error: error.name, cause: error.message };
  return { error: 'States.Runtime', cause: String(reason) };
}

function definedOnly<T extends Record<string, string | undefined>>(
  values: T,
): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<
    Record<keyof T, string>
  >;
}

/** Every state by name, those of Parallel branches and Map item processors included. */
function collectStates(states: StateMachineDefinition['States'], into: Map<string, StateDefinition>): void {
  for (const [name, state] of Object.entries(states)) {
    into.set(name, state);
    if (state.Type === 'Parallel') for (const branch of state.Branches) collectStates(branch.States, into);
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) collectStates(processor.States, into);
    }
  }
}

/** Refuses handlers and overrides that name no such state, and Task states without a handler. */
function checkOverrides(
  machineName: string,
  registration: StateMachineRegistration,
  states: Map<string, StateDefinition>,
  taskStates: Map<string, TaskState>,
): void {
  const problems: string[] = [];
  for (const stateName of taskStates.keys()) {
    if (typeof registration.taskHandlers[stateName] !== 'function')
      problems.push(`Task state ${stateName} has no handler`);
  }
  for (const stateName of Object.keys(registration.taskHandlers)) {
    if (!taskStates.has(stateName)) problems.push(`taskHandlers.${stateName} names no Task state`);
  }
  for (const stateName of Object.keys(registration.waitTimeOverrides ?? {})) {
    if (states.get(stateName)?.Type !== 'Wait')
      problems.push(`waitTimeOverrides.${stateName} names no Wait state`);
  }
  for (const stateName of Object.keys(registration.retryIntervalOverrides ?? {})) {
    const state = states.get(stateName);
    if (!state || !('Retry' in state))
      problems.push(`retryIntervalOverrides.${stateName} names no state with Retry`);
  }
  if (problems.length > 0) throw new Error(`State machine ${machineName}: ${problems.join('; ')}`);
}

/** A copy of the definition in which every Task state without a timeout has LOCAL_TASK_TIMEOUT_SECONDS. */
function withLocalTaskTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(definition);
  const states = new Map<string, StateDefinition>();
  collectStates(copy.States, states);
  for (const state of states.values()) {
    if (
      state.Type === 'Task' &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_SECONDS;
    }
  }
  return copy;
}

/** A copy in which a Task `Resource` that is a `${…}` placeholder reads as a Lambda function ARN. */
function withPlaceholderResourcesAsArns(
  definition: StateMachineDefinition,
  region: string,
  accountId: string,
): StateMachineDefinition {
  const copy = structuredClone(definition);
  const states = new Map<string, StateDefinition>();
  collectStates(copy.States, states);
  for (const [name, state] of states) {
    if (state.Type === 'Task' && /^\$\{[^}]+\}$/.test(state.Resource)) {
      state.Resource = `arn:aws:lambda:${region}:${accountId}:function:${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    }
  }
  return copy;
}
