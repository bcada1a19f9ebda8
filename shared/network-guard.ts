import { invalid, unavailable } from './errors.ts';

/**
 * Keeps the control plane from being pointed at its own network (SSRF): a repository URL is fetched
 * by the build, so a host that is, or resolves to, a loopback, private, link-local or metadata
 * address would let a tenant read what only the platform should reach.
 *
 * Pure (no node builtins): the syntactic check runs in the schemas (and the browser); the resolving
 * check takes the resolver as a function, so use cases get it as a port.
 */

export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  /** RFC 6598 carrier-grade NAT, 100.64.0.0/10: not routed on the internet (Alibaba's metadata lives here). */
  | 'shared'
  | 'link-local'
  | 'unique-local'
  /** Cloud instance metadata services: the credentials of whatever runs the build. */
  | 'metadata'
  | 'multicast'
  /** Documentation, benchmarking, protocol assignments, 240/4, discard, 6to4 relay, Teredo, non-2000::/3. */
  | 'reserved';

const METADATA_V4 = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, Oracle
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.170.23', // AWS EKS Pod Identity agent
]);
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']); // AWS IMDS over IPv6

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^(0|[1-9][0-9]{0,2})$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

/** Eight 16-bit groups, or undefined. Accepts `::` compression, a dotted IPv4 tail and a zone (`%eth0`). */
function parseIPv6(text: string): number[] | undefined {
  const address = text.split('%')[0] ?? '';
  if (!address.includes(':')) return undefined;
  let tail: number[] = [];
  let head = address;
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(address.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    head = address.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const parse = (list: string[]) =>
    list.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN));
  const left = parse(groups(halves[0] ?? ''));
  const right = halves.length === 2 ? parse(groups(halves[1] ?? '')) : [];
  if ([...left, ...right].some(Number.isNaN)) return undefined;
  const given = left.length + right.length + tail.length;
  if (halves.length === 2) {
    if (given > 7) return undefined;
    return [...left, ...new Array(8 - given).fill(0), ...right, ...tail];
  }
  return given === 8 ? [...left, ...tail] : undefined;
}

const inV4 = (b: number[], prefix: number[], bits: number) => {
  const value = (x: number[]) =>
    (((x[0] ?? 0) << 24) | ((x[1] ?? 0) << 16) | ((x[2] ?? 0) << 8) | (x[3] ?? 0)) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (value(b) & mask) >>> 0 === (value(prefix) & mask) >>> 0;
};

function classifyIPv4(b: number[]): AddressKind {
  const dotted = b.join('.');
  if (METADATA_V4.has(dotted)) return 'metadata';
  if (inV4(b, [0, 0, 0, 0], 8)) return 'unspecified';
  if (inV4(b, [127, 0, 0, 0], 8)) return 'loopback';
  if (inV4(b, [10, 0, 0, 0], 8) || inV4(b, [172, 16, 0, 0], 12) || inV4(b, [192, 168, 0, 0], 16))
    return 'private';
  if (inV4(b, [100, 64, 0, 0], 10)) return 'shared';
  if (inV4(b, [169, 254, 0, 0], 16)) return 'link-local';
  if (inV4(b, [224, 0, 0, 0], 4)) return 'multicast';
  if (
    inV4(b, [192, 0, 0, 0], 24) ||
    inV4(b, [192, 0, 2, 0], 24) ||
    inV4(b, [192, 88, 99, 0], 24) ||
    inV4(b, [198, 18, 0, 0], 15) ||
    inV4(b, [198, 51, 100, 0], 24) ||
    inV4(b, [203, 0, 113, 0], 24) ||
    inV4(b, [240, 0, 0, 0], 4)
  )
    return 'reserved';
  return 'public';
}

const v4Of = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];

function classifyIPv6(g: number[]): AddressKind {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const text = g.map((x) => x.toString(16)).join(':');
  if (METADATA_V6.has(text)) return 'metadata';
  const zeros = (list: number[]) => list.every((x) => x === 0);
  if (zeros(g)) return 'unspecified';
  if (zeros(g.slice(0, 7)) && g7 === 1) return 'loopback';
  // Forms that carry an IPv4 address: what they reach is what the IPv4 address is.
  if (zeros([g0, g1, g2, g3, g4]) && g5 === 0xffff) return classifyIPv4(v4Of(g6, g7)); // ::ffff:a.b.c.d mapped
  if (zeros([g0, g1, g2, g3]) && g4 === 0xffff && g5 === 0) return classifyIPv4(v4Of(g6, g7)); // ::ffff:0:a.b.c.d
  if (zeros([g0, g1, g2, g3, g4, g5])) {
    // ::a.b.c.d, "IPv4-compatible" (deprecated): never public, but say what it embeds when that is internal.
    const embedded = classifyIPv4(v4Of(g6, g7));
    return embedded === 'public' ? 'reserved' : embedded;
  }
  if (g0 === 0x64 && g1 === 0xff9b && zeros([g2, g3, g4, g5])) return classifyIPv4(v4Of(g6, g7)); // NAT64 well-known
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private'; // NAT64 local-use 64:ff9b:1::/48
  if (g0 === 0x2002) return classifyIPv4(v4Of(g1, g2)); // 6to4
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3 (incl. 100::/64)
  if (g0 === 0x2001 && g1 < 0x0200) return 'reserved'; // 2001::/23 protocol assignments, Teredo
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if ((g0 & 0xfff0) === 0x3ff0) return 'reserved'; // documentation 3fff::/20
  return 'public';
}

/** What an IP address reaches; undefined when `address` is not an IP literal (brackets allowed). */
export function classifyAddress(address: string): AddressKind | undefined {
  const text = address.replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIPv4(text);
  if (v4) return classifyIPv4(v4);
  const v6 = parseIPv6(text);
  return v6 ? classifyIPv6(v6) : undefined;
}

/**
 * A host as a URL parser reaches it: lowercased, IDN to punycode, IPv4 in any WHATWG spelling
 * (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) as dotted decimal, IPv6 compressed, no brackets,
 * no trailing dots (`localhost.` is localhost to every resolver).
 */
export function normalizeHost(host: string): string {
  let h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h.includes(':')) {
    const [address = '', zone] = h.split('%');
    try {
      h = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    } catch {
      h = address;
    }
    return zone === undefined ? h : `${h}%${zone}`;
  }
  try {
    h = new URL(`http://${h}/`).hostname;
  } catch {
    // Not a host a URL can hold; classify it as written.
  }
  return h.replace(/\.+$/, '');
}

/**
 * Names that only mean something inside a network: single labels (`metadata`, `gitea`), loopback
 * names, mDNS, cloud-internal zones (`metadata.google.internal`, `*.ec2.internal`), Kubernetes
 * service names (`*.svc`, `*.svc.cluster.local`) and the suffixes RFC 6762 lists as private use.
 */
const INTERNAL_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'localdomain',
  'home.arpa',
  'lan',
  'home',
  'corp',
  'intranet',
  'private',
  'svc',
  'in-addr.arpa',
  'ip6.arpa',
];

/** Whether a normalized host name is one that only resolves inside some network. */
export function isInternalName(host: string): boolean {
  if (!host.includes('.')) return true;
  return INTERNAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

/**
 * The syntactic check: the host, however spelled, is an address other than a public one, or a name
 * that only resolves internally. A public-looking name can still resolve inward; see assertPublicHost.
 */
export function isPrivateHost(host: string): boolean {
  const normalized = normalizeHost(host);
  const kind = classifyAddress(normalized);
  if (kind) return kind !== 'public';
  return isInternalName(normalized);
}

/** Whether `host` is loopback in any spelling: `localhost`, `*.localhost`, 127/8, `::1`, mapped forms. */
export function isLoopbackHost(host: string): boolean {
  const normalized = normalizeHost(host);
  const kind = classifyAddress(normalized);
  if (kind) return kind === 'loopback';
  return normalized === 'localhost' || normalized.endsWith('.localhost');
}

/** Node's `dns.promises.lookup(host, { all: true })`, or anything shaped like it. */
export type ResolveHost = (hostname: string) => Promise<ReadonlyArray<{ address: string; family?: number }>>;

/** Resolver error codes that mean "this name has no address", as opposed to "DNS is not answering". */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'NXDOMAIN']);

/** Whether a resolver error means the name has no address (not that DNS failed to answer). */
export const isNoSuchName = (error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NO_SUCH_NAME.has(code);
};

/**
 * Throws unless `host` is public in every spelling and every address it resolves to is public.
 * Call it where a URL is accepted (project create/update) and again right before connecting
 * (DNS can change in between); at connect time, connect to the addresses this checked, or use a
 * lookup hook that checks them, so a second resolution can't swap in an internal one.
 * Messages name the field and the host, never the internal address it resolved to.
 */
export async function assertPublicHost(
  host: string,
  resolve: ResolveHost,
  options: { field?: string } = {},
): Promise<void> {
  const field = options.field ?? 'repository.url';
  const normalized = normalizeHost(host);
  const privateHost = (how: string) =>
    invalid(
      'network.private_host',
      `${field} must point to a public host; ${normalized} ${how} a loopback, private, link-local or metadata address`,
      field,
    );
  const kind = classifyAddress(normalized);
  if (kind) {
    if (kind !== 'public') throw privateHost('is');
    return;
  }
  if (isInternalName(normalized)) throw privateHost('names');
  let addresses: ReadonlyArray<{ address: string }>;
  try {
    addresses = await resolve(normalized);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (typeof code === 'string' && NO_SUCH_NAME.has(code)) {
      throw invalid('network.unresolvable_host', `${field} host ${normalized} does not resolve`, field);
    }
    throw unavailable('network.resolve_failed', `Could not resolve ${normalized} to check it; try again.`);
  }
  if (addresses.length === 0) {
    throw invalid('network.unresolvable_host', `${field} host ${normalized} does not resolve`, field);
  }
  if (addresses.some(({ address }) => classifyAddress(address) !== 'public'))
    throw privateHost('resolves to');
}
