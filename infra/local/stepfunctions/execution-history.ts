import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import type { TaskIntegration } from './task-integration.ts';

/** One event of aws-local-stepfunctions' execution log (the library doesn't export the type). */
export type LibraryEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export type StateDefinition = StateMachineDefinition['States'][string];

/**
 * A Step Functions `HistoryEvent` as GetExecutionHistory returns it, except that `timestamp` is in
 * epoch milliseconds here (the wire format uses epoch seconds).
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: `${string}EventDetails`]: Record<string, unknown> | undefined;
}

/** The terminal event of an execution, as recorded. */
export interface ExecutionOutcome {
  type: 'ExecutionSucceeded' | 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut';
  timestamp: number;
  output?: string;
  error?: string;
  cause?: string;
}

/** A Task attempt between TaskScheduled and its TaskSucceeded / TaskFailed / TaskTimedOut. */
export interface TaskAttempt {
  /** The callback pattern: the service took the task (TaskSubmitted); the result comes by token. */
  submitted(output: unknown): void;
  succeeded(result: unknown): void;
  failed(error: string, cause: string): void;
  /** Neither succeeded, failed nor timed out yet, and the execution has not ended. */
  readonly open: boolean;
}

/** States whose interruption Step Functions records as `<Type>StateAborted`. */
const ABORTABLE_STATE_TYPES = new Set(['Task', 'Wait', 'Map', 'Parallel']);

/**
 * If an attempt's TaskStateEntered (or retry) never reaches the recorder, the task still runs after
 * this long rather than waiting forever; its events then may sit slightly out of order.
 */
const ATTEMPT_START_WAIT_MS = 1_000;

const json = (value: unknown): string => JSON.stringify(value ?? null);

export interface HistoryRecorderOptions {
  /** The execution's history, appended to in place (it is what gets persisted). */
  history: HistoryEvent[];
  /** Oldest events (except ExecutionStarted) are dropped beyond this many. */
  maxEvents: number;
  /** Every state of the definition by name, nested branches and item processors included. */
  states: ReadonlyMap<string, StateDefinition>;
  region: string;
  roleArn: string;
  /** The StopExecution error and cause, read when the abort event arrives. */
  abortDetails: () => { error?: string; cause?: string };
  /** Called after every appended event (to schedule persistence). */
  onChange: () => void;
}

/**
 * Turns aws-local-stepfunctions' event log into a Step Functions execution history.
 *
 * The library logs state transitions only; the Task events (TaskScheduled, TaskStarted,
 * TaskSucceeded / TaskFailed) come from the local task handlers. The library calls a handler in the
 * same tick it logs TaskStateEntered, but its log is read asynchronously, so a handler first waits
 * (`beginTask`) until the recorder has read the event that opened its attempt; from then on its
 * events are appended in place and land between TaskStateEntered and TaskStateExited, as in AWS.
 */
export class HistoryRecorder {
  #outcome: ExecutionOutcome | undefined;
  #lastEnteredState: { name: string; type: string } | undefined;
  /** States entered and not exited yet, for `<Type>StateAborted` on abort. */
  readonly #openStates = new Map<string, { name: string; type: string }>();
  /** Attempts opened (TaskStateEntered or a retry) and claimed by a handler call, per state name. */
  readonly #attemptsOpened = new Map<string, number>();
  readonly #attemptsClaimed = new Map<string, number>();
  readonly #attemptWaiters: { stateName: string; ticket: number; resolve: () => void }[] = [];
  /** Task attempts without a result yet, per state name, oldest first. */
  readonly #runningAttempts = new Map<string, { settle: () => boolean; timedOut: () => void }[]>();

  constructor(private readonly options: HistoryRecorderOptions) {}

  /** Set once the execution's terminal event is recorded. */
  get outcome(): ExecutionOutcome | undefined {
    return this.#outcome;
  }

  onLibraryEvent(event: LibraryEvent): void {
    if (this.#outcome) return;
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.#append('ExecutionStarted', at, {
          executionStartedEventDetails: {
            input: json(event.input),
            inputDetails: { truncated: false },
            roleArn: this.options.roleArn,
          },
        });
        return;
      case 'StateEntered': {
        const { name, type } = event.state;
        this.#openStates.set(stateKey(name, event.index), { name, type });
        this.#lastEnteredState = { name, type };
        this.#append(`${type}StateEntered`, at, {
          stateEnteredEventDetails: {
            name,
            input: json(event.state.input),
            inputDetails: { truncated: false },
          },
        });
        this.#attemptOpened(name);
        return;
      }
      case 'StateRetried':
        this.#attemptOpened(event.state.name);
        return;
      case 'StateExited': {
        const { name, type } = event.state;
        this.#openStates.delete(stateKey(name, event.index));
        this.#append(`${type}StateExited`, at, {
          stateExitedEventDetails: {
            name,
            output: json(event.state.output),
            outputDetails: { truncated: false },
          },
        });
        return;
      }
      case 'StateFailed':
        // A handler's own failure is already recorded as TaskFailed. Only the library's task timeout
        // fails an attempt that is still running.
        if (event.state.type === 'Task' && event.Error === 'States.Timeout') {
          this.#runningAttempts.get(event.state.name)?.shift()?.timedOut();
        }
        return;
      case 'StateCaught':
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const detailsKey = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails` as const;
        this.#append(event.type, at, { [detailsKey]: { name: event.parentState.name, index: event.index } });
        return;
      }
      case 'ExecutionSucceeded':
        this.#finish({ type: 'ExecutionSucceeded', timestamp: at, output: json(event.output) });
        return;
      case 'ExecutionFailed':
        this.#finish({ type: 'ExecutionFailed', timestamp: at, ...this.#failure(event.Error, event.Cause) });
        return;
      case 'ExecutionAborted': {
        for (const { name, type } of this.#openStates.values()) {
          if (ABORTABLE_STATE_TYPES.has(type)) {
            this.#append(`${type}StateAborted`, at, { stateExitedEventDetails: { name } });
          }
        }
        this.#finish({ type: 'ExecutionAborted', timestamp: at, ...this.options.abortDetails() });
        return;
      }
      case 'ExecutionTimeout':
        this.#finish({
          type: 'ExecutionTimedOut',
          timestamp: at,
          error: 'States.Timeout',
          cause: 'The execution ran longer than the TimeoutSeconds of its state machine.',
        });
        return;
    }
  }

  /**
   * Records an execution end the library's log did not report (the run crashed, or the log
   * stopped), so that every history ends in a terminal event.
   */
  finishUnreported(outcome: ExecutionOutcome): void {
    if (!this.#outcome) this.#finish(outcome);
  }

  /**
   * Opens a Task attempt: waits for its TaskStateEntered (or retry) to be recorded, then records
   * TaskScheduled and TaskStarted. Resolves to undefined once the execution has ended.
   */
  async beginTask(
    stateName: string,
    integration: TaskIntegration,
    taskInput: unknown,
    timeoutSeconds: number | undefined,
  ): Promise<TaskAttempt | undefined> {
    const ticket = this.#attemptsClaimed.get(stateName) ?? 0;
    this.#attemptsClaimed.set(stateName, ticket + 1);
    if (!this.#outcome && (this.#attemptsOpened.get(stateName) ?? 0) <= ticket) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ATTEMPT_START_WAIT_MS);
        this.#attemptWaiters.push({
          stateName,
          ticket,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    if (this.#outcome) return undefined;

    const now = Date.now();
    if (integration.kind === 'lambda-function') {
      this.#append('LambdaFunctionScheduled', now, {
        lambdaFunctionScheduledEventDetails: {
          resource: integration.resource,
          input: json(taskInput),
          inputDetails: { truncated: false },
          ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
        },
      });
      this.#append('LambdaFunctionStarted', now, {});
    } else {
      const resource = { resourceType: integration.resourceType, resource: integration.resource };
      this.#append('TaskScheduled', now, {
        taskScheduledEventDetails: {
          ...resource,
          region: this.options.region,
          parameters: json(taskInput),
          ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
        },
      });
      this.#append('TaskStarted', now, { taskStartedEventDetails: resource });
    }

    let settled = false;
    const isEnded = () => this.#outcome !== undefined;
    const running = this.#runningAttempts.get(stateName) ?? [];
    this.#runningAttempts.set(stateName, running);
    const entry = {
      settle: () => {
        if (settled || this.#outcome) return false;
        settled = true;
        const index = running.indexOf(entry);
        if (index >= 0) running.splice(index, 1);
        return true;
      },
      timedOut: () => {
        if (settled) return;
        settled = true;
        const error = { error: 'States.Timeout', cause: 'The task ran longer than its TimeoutSeconds.' };
        if (integration.kind === 'lambda-function') {
          this.#append('LambdaFunctionTimedOut', Date.now(), { lambdaFunctionTimedOutEventDetails: error });
        } else {
          this.#append('TaskTimedOut', Date.now(), {
            taskTimedOutEventDetails: {
              resourceType: integration.resourceType,
              resource: integration.resource,
              ...error,
            },
          });
        }
      },
    };
    running.push(entry);

    const resource = integration.kind === 'lambda-function' ? undefined : integration;
    return {
      get open() {
        return !settled && !isEnded();
      },
      submitted: (output) => {
        if (settled || isEnded() || !resource) return;
        this.#append('TaskSubmitted', Date.now(), {
          taskSubmittedEventDetails: {
            resourceType: resource.resourceType,
            resource: resource.resource,
            output: json(output),
            outputDetails: { truncated: false },
          },
        });
      },
      succeeded: (result) => {
        if (!entry.settle()) return;
        const output = { output: json(result), outputDetails: { truncated: false } };
        if (integration.kind === 'lambda-function') {
          this.#append('LambdaFunctionSucceeded', Date.now(), {
            lambdaFunctionSucceededEventDetails: output,
          });
        } else {
          this.#append('TaskSucceeded', Date.now(), {
            taskSucceededEventDetails: {
              resourceType: integration.resourceType,
              resource: integration.resource,
              ...output,
            },
          });
        }
      },
      failed: (error, cause) => {
        if (!entry.settle()) return;
        if (integration.kind === 'lambda-function') {
          this.#append('LambdaFunctionFailed', Date.now(), {
            lambdaFunctionFailedEventDetails: { error, cause },
          });
        } else {
          this.#append('TaskFailed', Date.now(), {
            taskFailedEventDetails: {
              resourceType: integration.resourceType,
              resource: integration.resource,
              error,
              cause,
            },
          });
        }
      },
    };
  }

  #attemptOpened(stateName: string): void {
    const opened = (this.#attemptsOpened.get(stateName) ?? 0) + 1;
    this.#attemptsOpened.set(stateName, opened);
    for (let i = this.#attemptWaiters.length - 1; i >= 0; i--) {
      const waiter = this.#attemptWaiters[i];
      if (waiter && waiter.stateName === stateName && waiter.ticket < opened) {
        this.#attemptWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /**
   * Error and cause of a failed execution. A Fail state without Error/Cause fails the execution
   * with neither in AWS, where the library reports placeholders.
   */
  #failure(error: string, cause: unknown): { error?: string; cause?: string } {
    const last = this.#lastEnteredState;
    const failState = last?.type === 'Fail' ? this.options.states.get(last.name) : undefined;
    const hasError = !failState || 'Error' in failState || 'ErrorPath' in failState;
    const hasCause = !failState || 'Cause' in failState || 'CausePath' in failState;
    return {
      ...(hasError ? { error } : {}),
      ...(hasCause && cause !== undefined ? { cause: typeof cause === 'string' ? cause : json(cause) } : {}),
    };
  }

  #finish(outcome: ExecutionOutcome): void {
    const { type, timestamp, output, error, cause } = outcome;
    const detailsKey = `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails` as const;
    const details =
      type === 'ExecutionSucceeded'
        ? { output, outputDetails: { truncated: false } }
        : { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
    this.#append(type, timestamp, { [detailsKey]: details });
    this.#outcome = outcome;
    for (const waiter of this.#attemptWaiters.splice(0)) waiter.resolve();
  }

  #append(type: string, timestamp: number, details: Partial<HistoryEvent>): void {
    const { history, maxEvents } = this.options;
    const id = (history.at(-1)?.id ?? 0) + 1;
    history.push({ ...details, id, previousEventId: id - 1, timestamp, type });
    // Keep ExecutionStarted (the execution's input) and the newest events.
    if (history.length > maxEvents) history.splice(1, history.length - maxEvents);
    this.options.onChange();
  }
}

function stateKey(name: string, mapIndex: number | undefined): string {
  return mapIndex === undefined ? name : `${name}[${mapIndex}]`;
}
