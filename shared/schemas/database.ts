import * as z from 'zod';

/**
 * `POST …/credentials/rotate`: the environment whose password is replaced (each has its own). Required,
 * but checked by the use case after membership, so an outsider gets the same 404 whatever the body.
 */
export const rotateRequestSchema = z.strictObject({
  environment: z.string().max(64, 'must be at most 64 characters').optional(),
});
export type RotateRequest = z.infer<typeof rotateRequestSchema>;
