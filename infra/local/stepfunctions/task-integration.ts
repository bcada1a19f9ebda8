/**
 * How a Task state's `Resource` behaves when its local handler runs instead of AWS, so that the
 * definition sees the same input, output and errors as in Step Functions.
 */

/** What a Task state's local handler receives besides its payload. */
export interface TaskContext {
  executionArn: string;
  executionName: string;
  stateName: string;
}

/** The local stand-in for the Lambda function a Task state invokes. */
export type TaskHandler = (payload: unknown, context: TaskContext) => Promise<unknown>;

export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';
/** The callback pattern: the suffix that makes a service integration wait for SendTask* with its token. */
export const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

/**
 * - `lambda:invoke`: the optimized integration. The handler gets `Parameters.Payload`, the state gets
 *   the Invoke API response `{ Payload, StatusCode, ExecutedVersion }` (read through `$.Payload`).
 * - `lambda-function`: `Resource` is the function itself (an ARN or a `${…}` placeholder). The handler
 *   gets the state input and the state gets the function's result unwrapped.
 * - `service`: any other `arn:aws:states:::<service>:<action>` integration; the handler's result is
 *   the task result as is.
 */
export type TaskIntegration =
  | {
      kind: 'lambda:invoke';
      resourceType: 'lambda';
      resource: 'invoke' | 'invoke.waitForTaskToken';
      waitForTaskToken: boolean;
    }
  | { kind: 'lambda-function'; resource: string; waitForTaskToken: false }
  | { kind: 'service'; resourceType: string; resource: string; waitForTaskToken: boolean };

/**
 * `.waitForTaskToken` (the callback pattern): the handler is called as the integration would call
 * its service, then the task waits until SendTaskSuccess/SendTaskFailure with the token from
 * `$$.Task.Token` (or its timeout); the task's result is the callback's output, not the handler's.
 */
export function taskIntegration(resource: string): TaskIntegration {
  if (resource === LAMBDA_INVOKE_RESOURCE)
    return { kind: 'lambda:invoke', resourceType: 'lambda', resource: 'invoke', waitForTaskToken: false };
  if (resource === `${LAMBDA_INVOKE_RESOURCE}${WAIT_FOR_TASK_TOKEN}`) {
    return {
      kind: 'lambda:invoke',
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      waitForTaskToken: true,
    };
  }
  const service = /^arn:aws:states:::([^:]+):(.+)$/.exec(resource);
  if (service?.[1] && service[2]) {
    return {
      kind: 'service',
      resourceType: service[1],
      resource: service[2],
      waitForTaskToken: service[2].endsWith(WAIT_FOR_TASK_TOKEN),
    };
  }
  return { kind: 'lambda-function', resource, waitForTaskToken: false };
}

/** A copy of `value` in which every string equal to `placeholder` is `replacement`. */
export function replaceString(value: unknown, placeholder: string, replacement: string): unknown {
  if (value === placeholder) return replacement;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, placeholder, replacement));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceString(item, placeholder, replacement)]),
    );
  }
  return value;
}

/** The task input the handler receives: Lambda gets `Payload` (or `{}` when the state sends none). */
export function handlerPayload(integration: TaskIntegration, taskInput: unknown): unknown {
  if (integration.kind !== 'lambda:invoke') return taskInput;
  if (taskInput !== null && typeof taskInput === 'object' && 'Payload' in taskInput) return taskInput.Payload;
  return {};
}

/** The task result the state sees, given what the handler returned. */
export function taskResult(integration: TaskIntegration, handlerResult: unknown): unknown {
  const value = jsonRoundTrip(handlerResult);
  if (integration.kind !== 'lambda:invoke') return value;
  return { Payload: value, StatusCode: 200, ExecutedVersion: '$LATEST' };
}

/**
 * A value as it comes out of a JSON serializer: what crosses the Lambda boundary. `undefined`
 * becomes `null` (a Lambda that returns nothing has the payload `null`).
 */
export function jsonRoundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/**
 * The error a Task state sees when its Lambda function throws. Step Functions takes `Error` from the
 * runtime's `errorType` (the thrown error's `name`) and `Cause` is the runtime's whole error body as
 * a JSON string. aws-local-stepfunctions matches Retry/Catch on `error.name` and reports
 * `error.message` as the Cause (in StateFailed events and in the Catch output), so both are set here.
 */
export class LambdaFunctionError extends Error {
  readonly errorType: string;
  constructor(errorType: string, cause: string) {
    super(cause);
    this.name = errorType;
    this.errorType = errorType;
  }
}

/** Converts whatever a handler threw into the error the Node.js Lambda runtime would report. */
export function toLambdaFunctionError(thrown: unknown): LambdaFunctionError {
  if (thrown instanceof Error) {
    const errorType = thrown.name || 'Error';
    const body = {
      errorType,
      errorMessage: thrown.message,
      trace: (thrown.stack ?? `${errorType}: ${thrown.message}`).split('\n'),
    };
    return new LambdaFunctionError(errorType, JSON.stringify(body));
  }
  // The runtime names non-Error throws by their JavaScript type (`throw 'boom'` → errorType "string").
  const errorType = typeof thrown;
  const errorMessage = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  return new LambdaFunctionError(errorType, JSON.stringify({ errorType, errorMessage, trace: [] }));
}
