import * as z from 'zod';
import { dnsName } from './common.ts';

export const WORKSPACE_NAME_MAX = 30;
export const ROLES = ['owner', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const createWorkspaceSchema = z.strictObject({ name: dnsName(WORKSPACE_NAME_MAX) });
export type CreateWorkspaceInput = z.infer<typeof createWorkspaceSchema>;

const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9._@|:-]+$/, 'must be a user id (letters, digits and . _ @ | : -)');

export const addMemberSchema = z.strictObject({
  userId: userIdSchema,
  role: z.enum(ROLES).default('member'),
});
export type AddMemberInput = z.infer<typeof addMemberSchema>;
