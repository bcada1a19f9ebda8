import * as z from 'zod';

/** `POST …/deployments/{runId}/approve`: an optional note (no body is fine). */
export const approveRequestSchema = z.strictObject({
  reason: z
    .string('reason must be text')
    .trim()
    .min(1, 'reason must not be empty when given')
    .max(500, 'reason must be at most 500 characters')
    .optional(),
});
export type ApproveRequest = z.infer<typeof approveRequestSchema>;

/** `POST …/deployments/{runId}/reject`: why, for the requester and the run's record. */
export const rejectRequestSchema = z.strictObject({
  reason: z
    .string('reason is required: say why the run is rejected')
    .trim()
    .min(1, 'reason is required: say why the run is rejected')
    .max(500, 'reason must be at most 500 characters'),
});
export type RejectRequest = z.infer<typeof rejectRequestSchema>;
