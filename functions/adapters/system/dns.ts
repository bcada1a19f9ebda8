import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { classifyAddress, type ResolveHost } from '../../../shared/network-guard.ts';

/**
 * The ResolveHost port over the system resolver (getaddrinfo, as git and curl use): every address,
 * in the order the resolver gives them, so assertPublicHost sees all that a connection could pick.
 */
export const resolveHost: ResolveHost = (hostname) => lookupAll(hostname, { all: true, order: 'verbatim' });

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `net.connect`, `http.Agent` or undici's `connect` options: resolves like
 * `dns.lookup` and fails the connection unless every address is public, so the address a
 * connection uses is the one that was checked (a second resolution can't swap in an internal one).
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, options.all ? [] : '', 0);
    const blocked = addresses.find(({ address }) => classifyAddress(address) !== 'public');
    if (blocked || addresses.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to a loopback, private, link-local or metadata address; not connecting`,
      );
      refused.code = 'EPRIVATEHOST';
      return callback(refused, options.all ? [] : '', 0);
    }
    if (options.all) return callback(null, addresses);
    const [first] = addresses as [LookupAddress];
    return callback(null, first.address, first.family);
  });
}
