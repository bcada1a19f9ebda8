import * as z from 'zod';

export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int('must be an integer from 1 to 200')
    .min(1, 'must be an integer from 1 to 200')
    .max(200, 'must be an integer from 1 to 200')
    .default(100),
  cursor: z.string().max(2048, 'must be at most 2048 characters').optional(),
});

/** `GET …/projects?q=`: the page, and a case-insensitive part of the name to look for. */
export const projectListQuerySchema = pageQuerySchema.extend({
  q: z.string().max(100, 'must be at most 100 characters').optional(),
});

export const deleteQuerySchema = z.object({
  confirm: z.string().max(128).optional(),
  /** A database takes a final backup before it goes, unless `?finalBackup=false`. */
  finalBackup: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .default('true')
    .transform((v) => v === 'true'),
});

/**
 * `GET …/credentials?environment=`: which environment's credentials. Required, but checked by the use
 * case after membership, so an outsider gets the same 404 with or without it.
 */
export const credentialsQuerySchema = z.object({
  environment: z.string().max(64, 'must be at most 64 characters').optional(),
});
