import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { RUN_KINDS } from '../../shared/deploy.ts';
import { ENVIRONMENTS } from '../../shared/naming.ts';
import {
  type ApprovalRequest,
  type CallbackTask,
  type DeployState,
  type DeployTask,
  type DeployTaskFn,
  TASK_RESULT_KEYS,
} from '../../shared/use-cases/workflow/contract.ts';
import { logger } from './logger.ts';

/** The execution input every task receives (plus what earlier tasks added). */
const stateSchema = z
  .object({
    runId: z.string().min(1),
    workspaceId: z.string().min(1),
    projectId: z.string().min(1),
    environment: z.enum(ENVIRONMENTS),
    kind: z.enum(RUN_KINDS),
  })
  .passthrough();

/**
 * The one way to write a Step Functions task handler: validate the state, run the task, and return
 * the state with the task's result under its key from the contract (the state machine passes the
 * whole state along with OutputPath `$.Payload`). Errors keep their name, which Retry/Catch match.
 */
export function sfnTask<T extends DeployTask>(task: T, run: DeployTaskFn<T>) {
  const key = TASK_RESULT_KEYS[task];
  return middy<unknown, DeployState, Error, Context>().handler(async (event) => {
    const parsed = stateSchema.safeParse(event);
    if (!parsed.success) {
      const error = new Error(`Invalid workflow state: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
      error.name = 'InvalidState';
      throw error;
    }
    const state = parsed.data as DeployState;
    const started = performance.now();
    try {
      const result = await run(state);
      logger.debug('task', { runId: state.runId, task, ms: Math.round(performance.now() - started) });
      return key === null ? state : { ...state, [key]: result };
    } catch (error) {
      logger.warn('task failed', { runId: state.runId, task, error });
      throw error;
    }
  });
}

/** What a `.waitForTaskToken` task's function receives (contract.ts `ApprovalRequest`). */
const callbackSchema = z.object({
  state: stateSchema,
  taskToken: z.string().min(1),
  timeoutSeconds: z.number().int().positive(),
});

/**
 * A task that waits for a callback (`lambda:invoke.waitForTaskToken`): its function records the task
 * token somewhere a person can act on and returns; Step Functions ignores the answer and waits for
 * SendTaskSuccess/SendTaskFailure with that token, or the state's timeout.
 */
export function sfnCallbackTask(task: CallbackTask, run: (request: ApprovalRequest) => Promise<void>) {
  return middy<unknown, null, Error, Context>().handler(async (event) => {
    const parsed = callbackSchema.safeParse(event);
    if (!parsed.success) {
      const error = new Error(`Invalid callback request: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
      error.name = 'InvalidState';
      throw error;
    }
    const request = parsed.data as ApprovalRequest;
    try {
      await run(request);
      logger.debug('task', { runId: request.state.runId, task });
      return null;
    } catch (error) {
      logger.warn('task failed', { runId: request.state.runId, task, error });
      throw error;
    }
  });
}
