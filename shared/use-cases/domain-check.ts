import type { DomainCheck } from '../api.ts';
import { hostKey } from '../manifests/names.ts';
import { isNoSuchName, type ResolveHost } from '../network-guard.ts';

/** What checking a custom domain's DNS needs. */
export interface DomainCheckDeps {
  /**
   * The host a custom domain's CNAME points at: the platform's ingress (its load balancer's name in a
   * cluster, WHARF_INGRESS_HOST; the local gateway's host on the local platform).
   */
  ingressHost: string;
  /** The system resolver (getaddrinfo follows the CNAME chain, as a browser's would). */
  resolve: ResolveHost;
  /** How long a lookup may hold up the answer; past it, `resolves` is left unknown. */
  timeoutMs?: number | undefined;
}

/** A page waits this long at most for DNS: a slow resolver must not make the project page slow. */
export const DOMAIN_LOOKUP_TIMEOUT_MS = 1_500;

type Lookup = { addresses: string[] } | 'no-such-name' | 'unknown';

async function lookup(deps: DomainCheckDeps, host: string): Promise<Lookup> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'unknown'>((resolve) => {
    timer = setTimeout(() => resolve('unknown'), deps.timeoutMs ?? DOMAIN_LOOKUP_TIMEOUT_MS);
  });
  const answer = deps.resolve(host).then(
    (found): Lookup => ({ addresses: found.map((a) => a.address) }),
    (error: unknown): Lookup => (isNoSuchName(error) ? 'no-such-name' : 'unknown'),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The record to create for `domain`, and whether it is in place: the domain resolves to (one of) the
 * ingress host's addresses. Addresses rather than the CNAME itself, so an apex domain served by an
 * ALIAS/ANAME record (no CNAME possible there) counts too; any overlap, since a load balancer's
 * name answers a changing subset of its addresses. `resolves` is false when the domain has no
 * address or others, undefined when DNS did not answer in time or the ingress host itself did not
 * resolve (nothing to compare with). `tls` is not known here: it is cert-manager's, in the cluster.
 */
export async function checkDomain(
  deps: DomainCheckDeps,
  domain: string,
  options: { lookup: boolean },
): Promise<DomainCheck> {
  const record = { type: 'CNAME' as const, name: hostKey(domain), value: hostKey(deps.ingressHost) };
  if (!options.lookup) return { record };
  const [own, target] = await Promise.all([lookup(deps, record.name), lookup(deps, record.value)]);
  if (own === 'no-such-name') return { record, resolves: false };
  if (own === 'unknown' || target === 'unknown' || target === 'no-such-name') return { record };
  const targets = new Set(target.addresses);
  return { record, resolves: own.addresses.some((address) => targets.has(address)) };
}
