import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import type { EndOrphanedRun } from '../../shared/use-cases/workflow/end-orphaned-run.ts';
import { logger } from './logger.ts';

/** What the rule lets through of a "Step Functions Execution Status Change" event (AWS's own shape). */
const executionStatusSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string().min(1),
    /** The execution name: the run id. */
    name: z.string().min(1),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    /** The execution input as JSON; null when it was too large for the event. */
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

const inputSchema = z.object({ projectId: z.string().min(1) }).partial();

function projectIdOf(input: string | null | undefined): string | undefined {
  if (!input) return undefined;
  try {
    return inputSchema.parse(JSON.parse(input)).projectId;
  } catch {
    return undefined;
  }
}

/**
 * The execution-status rule's handler: parses the event, ends the execution's run. An event that is
 * not what the rule matches fails loudly (the rule's target retries, then the error alarm tells).
 */
export function executionStatusHandler(endOrphanedRun: EndOrphanedRun) {
  return middy<EventBridgeEvent<string, unknown>, void, Error, Context>().handler(async (event) => {
    const parsed = executionStatusSchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`Not an execution status change: ${issue?.path.join('.')} ${issue?.message ?? ''}`);
    }
    const { name, status, input, error, cause, executionArn } = parsed.data.detail;
    logger.info('execution ended', { runId: name, executionArn, status, error });
    const run = await endOrphanedRun(
      { runId: name, projectId: projectIdOf(input) },
      { status, error: error ?? undefined, cause: cause ?? undefined },
    );
    if (!run) logger.warn('no run for the execution', { runId: name, executionArn });
    else logger.info('run ended', { runId: run.id, status: run.status });
  });
}
