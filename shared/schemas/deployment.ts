import * as z from 'zod';
import { branchSchema, commitShaSchema, environmentSchema } from './common.ts';

export const deployRequestSchema = z.strictObject({
  environment: environmentSchema.default('production'),
  branch: branchSchema.optional(),
  commit: commitShaSchema.optional(),
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;

export const logsQuerySchema = z.object({
  after: z.coerce.number().int('must be a whole number').min(0, 'must be 0 or more').default(0),
  limit: z.coerce
    .number()
    .int('must be an integer from 1 to 5000')
    .min(1, 'must be an integer from 1 to 5000')
    .max(5000, 'must be an integer from 1 to 5000')
    .default(1000),
});

export const releasesQuerySchema = z.object({
  environment: environmentSchema.default('production'),
  limit: z.coerce
    .number()
    .int('must be an integer from 1 to 100')
    .min(1, 'must be an integer from 1 to 100')
    .max(100, 'must be an integer from 1 to 100')
    .default(20),
  cursor: z.string().max(2048).optional(),
});

/** What a WebSocket client may send. */
export const liveMessageSchema = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('subscribe'),
      runId: z.string().regex(/^r[0-9a-z]{8,40}$/, 'must be a run id'),
      after: z.number().int().min(0).default(0),
    }),
    z.object({
      action: z.literal('watch'),
      workspaceId: z.string().regex(/^w[0-9a-z]{6,40}$/, 'must be a workspace id'),
    }),
    z.object({ action: z.literal('ping') }),
  ],
  { error: 'action must be one of "subscribe", "watch", "ping"' },
);
