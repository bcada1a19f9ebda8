import * as z from 'zod';
import { ENVIRONMENT_TRIGGERS } from '../domain.ts';
import { domainSchema } from './common.ts';
import { envListSchema, replicasSchema } from './project.ts';

export const TAG_PATTERN_MAX = 100;

/**
 * A tag glob (`v*.*.*`): git ref characters only, so a pattern can't smuggle anything into a regex
 * or a log line; `*` and `?` are the only wildcards (see shared/environments.ts `tagMatches`).
 */
export const tagPatternSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(TAG_PATTERN_MAX, `must be at most ${TAG_PATTERN_MAX} characters`)
  .regex(/^[A-Za-z0-9._/*?-]+$/, 'must be a tag glob of letters, digits and . _ / * ? - such as v*.*.*');

const targetCpuSchema = z
  .number()
  .int('must be an integer from 10 to 95')
  .min(10, 'must be an integer from 10 to 95')
  .max(95, 'must be an integer from 10 to 95');

export const autoscalingSchema = z
  .strictObject({
    minReplicas: replicasSchema,
    maxReplicas: replicasSchema,
    targetCpuPercent: targetCpuSchema,
  })
  .refine((a) => a.minReplicas <= a.maxReplicas, {
    path: ['maxReplicas'],
    message: 'must be at least minReplicas',
  });

/**
 * `PATCH …/environments/{environment}`: every field optional; `null` clears the custom domain or the
 * autoscaling. `env` is the environment's whole list of overrides (same rules as the project's env:
 * a secret without a value keeps the value stored for this environment).
 */
export const updateEnvironmentSchema = z.strictObject({
  domain: domainSchema.nullable().optional(),
  replicas: replicasSchema.optional(),
  autoscaling: autoscalingSchema.nullable().optional(),
  env: envListSchema.optional(),
  trigger: z.enum(ENVIRONMENT_TRIGGERS).optional(),
  tagPattern: tagPatternSchema.optional(),
  requiresApproval: z.boolean().optional(),
});
export type UpdateEnvironmentInput = z.infer<typeof updateEnvironmentSchema>;
