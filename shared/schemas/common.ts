import * as z from 'zod';
import { DNS_LABEL_PATTERN, DNS_LABEL_RULE, ENVIRONMENTS } from '../naming.ts';
import { isLoopbackHost, isPrivateHost } from '../network-guard.ts';

/**
 * Messages are written as the rule ("must be …"); `formatIssue` puts the field in front, so a client
 * reads "port must be an integer from 1 to 65535" and also gets `field: "port"` to place it.
 */
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return 'must be an integer';
      return `must be ${issue.expected === 'object' || issue.expected === 'array' ? 'an' : 'a'} ${issue.expected}`;
    }
    if (issue.code === 'unrecognized_keys') return 'is not a known field';
    if (issue.code === 'invalid_value') {
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return undefined;
  },
});

export type Mode = 'local' | 'cloud';

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const dnsName = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(DNS_LABEL_PATTERN, DNS_LABEL_RULE)
    .regex(/^[a-z]/, 'must start with a letter');

export const environmentSchema = z.enum(ENVIRONMENTS);

export const portSchema = z
  .number()
  .int('must be an integer from 1 to 65535')
  .min(1, 'must be an integer from 1 to 65535')
  .max(65535, 'must be an integer from 1 to 65535');

const HOSTNAME_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const hostnameSchema = z
  .string()
  .max(253, 'must be at most 253 characters')
  .refine(
    (host) => {
      const labels = host.split('.');
      return (
        labels.length >= 2 && labels.every((l) => HOSTNAME_LABEL.test(l)) && /[a-z]/.test(labels.at(-1) ?? '')
      );
    },
    { message: 'must be a lowercase hostname such as app.example.com (letters, digits, "-" and dots)' },
  );

/**
 * What a user pastes as a domain, reduced to the hostname: `https://Shop.Example.com/` (copied from
 * the address bar) is `shop.example.com`. Strips surrounding space, a scheme, a path, query or
 * fragment, and trailing dots (the DNS root) — nothing that changes which host is meant. A port or
 * credentials are left in, so the hostname rule refuses them instead of silently dropping them.
 */
export function cleanDomain(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/[/?#].*$/s, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/** A custom domain as the API accepts it: cleaned (`cleanDomain`), then a hostname. */
export const domainSchema = z.preprocess(cleanDomain, hostnameSchema);

const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);
const isLineWhitespace = (code: number) => code === 0x09 || code === 0x0a || code === 0x0d;
const isBidiControl = (code: number) =>
  code === 0x061c ||
  code === 0x200e ||
  code === 0x200f ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069);
const codes = (text: string) => Array.from(text, (c) => c.codePointAt(0) ?? 0);

export const CONTROL_RULE = 'must not contain control characters (such as NUL)';
const BIDI_RULE =
  'must not contain invisible bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F)';

/**
 * C0 (NUL…US), DEL and C1 controls. Never meaningful in a name; NUL truncates the C strings that
 * git, execve and Kubernetes hand on, and escapes rewrite whatever terminal shows the log.
 */
export const hasControlCharacter = (text: string) => codes(text).some(isControl);
/** The same for free text, which keeps tab, LF and CR: values hold PEM keys and multi-line config. */
export const hasControlCharacterInText = (text: string) =>
  codes(text).some((c) => isControl(c) && !isLineWhitespace(c));
/**
 * Bidi controls (Trojan Source, CVE-2021-42574) make a pasted `main` display as one thing and be
 * another; a ref name has no use for them.
 */
const hasBidiControl = (text: string) => codes(text).some(isBidiControl);

/** Git ref name rules (git check-ref-format), kept to what a branch name needs. */
export const branchSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((b) => !hasControlCharacter(b), CONTROL_RULE)
  .refine((b) => !hasBidiControl(b), BIDI_RULE)
  .refine(
    (b) =>
      !/[\s~^:?*[\\]/.test(b) &&
      ![...b].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127) &&
      !b.includes('..') &&
      !b.includes('@{') &&
      !b.startsWith('-') &&
      !b.startsWith('/') &&
      !b.endsWith('/') &&
      !b.endsWith('.') &&
      !b.endsWith('.lock') &&
      !b.includes('//'),
    { message: 'must be a valid git branch name (no spaces, "..", "~^:?*[\\", and not starting with "-")' },
  );

export const commitShaSchema = z
  .string()
  .refine((c) => !hasControlCharacter(c), CONTROL_RULE)
  .refine((c) => !hasBidiControl(c), BIDI_RULE)
  .regex(/^[0-9a-f]{7,40}$/, 'must be a git commit id (7 to 40 lowercase hex characters)');

/** The syntactic host checks live with the resolving one; re-exported where schemas were the home. */
export { isLoopbackHost, isPrivateHost };

function repositoryUrlSchema(mode: Mode) {
  return z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .superRefine((raw, ctx) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an absolute URL such as https://github.com/org/repo.git',
        });
        return;
      }
      const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
      if (url.username || url.password) {
        return fail(
          'must not contain credentials; Wharf reads private repositories with its own credentials',
        );
      }
      const loopback = isLoopbackHost(url.hostname);
      if (url.protocol === 'http:') {
        if (mode === 'local' && loopback) return;
        return fail(
          mode === 'local'
            ? 'must use https (plain http is allowed only for loopback hosts on the local platform)'
            : 'must use https',
        );
      }
      if (url.protocol !== 'https:') return fail(`must use https, not ${url.protocol.replace(':', '')}`);
      if (mode === 'cloud' && isPrivateHost(url.hostname)) {
        return fail(
          'must point to a public host, not a loopback, private, link-local or metadata address or an internal name',
        );
      }
    });
}

export const repositorySchema = (mode: Mode) =>
  z.strictObject({
    url: repositoryUrlSchema(mode),
    branch: branchSchema.default('main'),
  });

/** Turns the first zod issue into `{ field, message }` with the field named in the message. */
export function formatIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
  const field = path.length > 0 ? path.join('.') : 'body';
  return { field, message: `${field} ${issue.message}` };
}
