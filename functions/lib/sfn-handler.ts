import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ENVIRONMENTS } from '../../shared/naming.ts';
import {
  type DeployState,
  makeWorkflowTasks,
  type WorkflowTasks,
} from '../../shared/use-cases/workflow-tasks.ts';
import { deliveryDeps } from './delivery-deps.ts';
import { logger } from './logger.ts';

/** The execution input every task receives (plus what earlier tasks added). */
const stateSchema = z
  .object({
    runId: z.string().min(1),
    workspaceId: z.string().min(1),
    projectId: z.string().min(1),
    environment: z.enum(ENVIRONMENTS),
    kind: z.enum(['deploy', 'rollback']),
  })
  .passthrough();

let tasks: WorkflowTasks | undefined;
function workflowTasks(): WorkflowTasks {
  tasks ??= makeWorkflowTasks(deliveryDeps());
  return tasks;
}

/**
 * The one way to write a Step Functions task handler: validate the state, run the task, and return
 * the state with the task's result under `key` (the state machine passes the whole state along with
 * OutputPath `$.Payload`). Errors keep their name, which the state machine's Retry/Catch match.
 */
export function sfnTask<K extends keyof DeployState | null>(
  key: K,
  run: (tasks: WorkflowTasks, state: DeployState) => Promise<unknown>,
) {
  // Resolve the adapters at cold start, so a missing setting fails the function's first invocation loudly.
  workflowTasks();
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
      const result = await run(workflowTasks(), state);
      logger.debug('task', { runId: state.runId, key, ms: Math.round(performance.now() - started) });
      return key === null ? state : { ...state, [key]: result };
    } catch (error) {
      logger.warn('task failed', { runId: state.runId, key, error });
      throw error;
    }
  });
}
