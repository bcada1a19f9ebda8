/**
 * Names that Kubernetes, Helm and Argo CD limit are derived and checked here, and only here.
 * A DNS-1123 label is at most 63 characters of [a-z0-9-], starting and ending with an alphanumeric.
 * When a derived name is too long it is cut and given a stable hash suffix, so the same input always
 * yields the same name and two long inputs that share a prefix still differ.
 */
export const DNS_LABEL_MAX = 63;
export const DNS_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
export const DNS_LABEL_RULE =
  "must be lowercase letters, digits and '-', start with a letter and end with a letter or digit";

/** 32-bit FNV-1a, hex. Pure so that the web app derives the same names as the API. */
export function stableHash(input: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(input)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Lowercases, replaces anything outside [a-z0-9-] with '-', collapses and trims dashes. */
export function slugify(input: string): string {
  return input
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Joins parts into one DNS-1123 label of at most `max` characters. */
export function dnsLabel(parts: readonly string[], max = DNS_LABEL_MAX): string {
  const full = slugify(parts.filter(Boolean).join('-')) || 'x';
  if (full.length <= max) return full;
  const suffix = stableHash(full);
  const head = full.slice(0, max - suffix.length - 1).replace(/-+$/, '');
  return `${head}-${suffix}`;
}

export function isDnsLabel(value: string, max = DNS_LABEL_MAX): boolean {
  return value.length <= max && DNS_LABEL_PATTERN.test(value);
}

export const ENVIRONMENTS = ['production', 'staging'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * The Kubernetes namespace of a workspace: its name plus its id (ids make it unique across tenants).
 * Production runs in the workspace namespace; any other environment gets its own, suffixed.
 */
export function workspaceNamespace(
  workspace: { id: string; name: string },
  environment?: Environment,
): string {
  const base = dnsLabel([workspace.name, workspace.id]);
  if (!environment || environment === 'production') return base;
  return dnsLabel([base, environment]);
}
