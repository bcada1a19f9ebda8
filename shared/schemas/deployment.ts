import * as z from 'zod';
import { RUN_STATUSES } from '../deploy.ts';
import {
  branchSchema,
  CONTROL_RULE,
  commitShaSchema,
  environmentSchema,
  hasControlCharacter,
} from './common.ts';
import { pageQuerySchema } from './query.ts';

export const deployRequestSchema = z.strictObject({
  environment: environmentSchema.default('production'),
  branch: branchSchema.optional(),
  commit: commitShaSchema.optional(),
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;

/** A release id as the API hands it out; anything else can only be an unknown release. */
const releaseIdSchema = z
  .string()
  .min(1, 'must be a release id')
  .max(64, 'must be a release id')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a release id');

/** `POST …/environments/{env}/promotions`: which release of an earlier environment to promote. */
export const promotionRequestSchema = z.strictObject({ releaseId: releaseIdSchema });
export type PromotionRequest = z.infer<typeof promotionRequestSchema>;

/** `GET …/environments/{env}/promotions/preview?releaseId=`. */
export const promotionPreviewQuerySchema = z.object({ releaseId: releaseIdSchema });

export const ROLLBACK_REASON_MAX = 500;

/**
 * `POST …/releases/{releaseId}/rollback`: an optional reason, recorded in the run, the release and
 * the GitOps commit message (one line: a newline there would forge trailers in the commit message).
 */
export const rollbackRequestSchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(ROLLBACK_REASON_MAX, `must be at most ${ROLLBACK_REASON_MAX} characters`)
    .refine((r) => !hasControlCharacter(r), CONTROL_RULE)
    // An empty reason (a form's blank field) is no reason.
    .transform((r) => r || undefined)
    .optional(),
});
export type RollbackRequest = z.infer<typeof rollbackRequestSchema>;

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

/**
 * `GET …/deployments`: one page of the run history, newest first, optionally only the runs with a
 * status, into an environment, or started by a trigger (`user`: the API or the UI; `webhook`: a push
 * or a tag).
 */
export const runsQuerySchema = pageQuerySchema.extend({
  status: z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` }).optional(),
  environment: environmentSchema.optional(),
  trigger: z.enum(['user', 'webhook'], { error: 'must be "user" or "webhook"' }).optional(),
});
export type RunsQuery = z.infer<typeof runsQuerySchema>;
