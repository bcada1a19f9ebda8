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
  runId: () => `r${timeSortable(Date.now())}${encode(randomBytes(8), 8)}`,
};

/** Milliseconds since the epoch in 10 base32 digits: lexicographic order is time order. */
export function timeSortable(ms: number): string {
  let out = '';
  let n = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

export const systemClock: Clock = { now: () => new Date() };
