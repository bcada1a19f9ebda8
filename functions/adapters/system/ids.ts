import { createHash, randomBytes } from 'node:crypto';
import type { Clock, IdGenerator } from '../../../shared/ports.ts';

// Lowercase Crockford base32: ids are DNS-safe, so they can appear in Kubernetes names as they are.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const encode = (bytes: Uint8Array, length: number) =>
  Array.from(bytes.subarray(0, length), (b) => ALPHABET[b & 31]).join('');

export const randomIds: IdGenerator = {
  workspaceId: () => `w${encode(randomBytes(12), 12)}`,
  projectId: () => `p${encode(randomBytes(12), 12)}`,
  personalWorkspaceId: (userId) =>
    `w${encode(createHash('sha256').update(`personal:${userId}`).digest(), 12)}`,
  token: () => encode(randomBytes(10), 10),
};

export const systemClock: Clock = { now: () => new Date() };
