import * as z from 'zod';
import { CONTROL_RULE, hasControlCharacter } from './common.ts';

export const CANCEL_REASON_MAX = 500;

/**
 * `POST …/deployments/{runId}/cancel`: no body, `{}` or `{ "reason" }` alike. The reason is kept in the
 * run and its log, one line (a newline there would read as a second log line).
 */
export const cancelRequestSchema = z.strictObject({
  reason: z
    .string('reason must be text')
    .trim()
    .max(CANCEL_REASON_MAX, `must be at most ${CANCEL_REASON_MAX} characters`)
    .refine((r) => !hasControlCharacter(r), CONTROL_RULE)
    // A blank field of a form is no reason.
    .transform((r) => r || undefined)
    .optional(),
});
export type CancelRequest = z.infer<typeof cancelRequestSchema>;
