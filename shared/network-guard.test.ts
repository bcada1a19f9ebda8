import { describe, expect, it } from 'vitest';
import type { DomainError } from './errors.ts';
import {
  assertPublicHost,
  classifyAddress,
  isInternalName,
  isPrivateHost,
  normalizeHost,
  type ResolveHost,
} from './network-guard.ts';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['140.82.112.3', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.100.100.200', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['::7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('returns undefined for names and malformed literals', () => {
    for (const text of ['github.com', '1.2.3', '1.2.3.256', '::1::2', 'fe80::g', '', '1:2:3:4:5:6:7:8:9']) {
      expect(classifyAddress(text), text).toBeUndefined();
    }
  });
});

describe('normalizeHost', () => {
  it.each([
    ['LocalHost.', 'localhost'],
    ['metadata.google.internal.', 'metadata.google.internal'],
    ['2130706433', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['127.0.0.1.', '127.0.0.1'],
    ['[::FFFF:127.0.0.1]', '::ffff:7f00:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['GitHub.com', 'github.com'],
  ])('%s → %s', (host, normalized) => {
    expect(normalizeHost(host)).toBe(normalized);
  });
});

describe('isPrivateHost (no resolution)', () => {
  it.each([
    'localhost',
    'localhost.',
    'api.localhost',
    'LOCALHOST',
    '[::1]',
    '[::7f00:1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[64:ff9b::a00:1]',
    '[fd00::1]',
    '[fe80::1]',
    '169.254.169.254',
    '0.0.0.0',
    '2130706433',
    '0x7f.1',
    '0x7f000001',
    '017700000001',
    'metadata.google.internal',
    'metadata.google.internal.',
    'metadata',
    'kubernetes.default.svc',
    'gitea.tools.svc',
    'gitea.tools.svc.cluster.local',
    'gitea.tools.svc.cluster.local.',
    'printer.local',
    'router.lan',
    'nas.home.arpa',
  ])('%s is private', (host) => {
    expect(isPrivateHost(host)).toBe(true);
  });

  it.each([
    'github.com',
    'gitlab.example.com',
    '140.82.112.3',
    '[2606:4700:4700::1111]',
    'xn--bcher-kva.example',
  ])('%s is not (syntactically)', (host) => {
    expect(isPrivateHost(host)).toBe(false);
    if (!classifyAddress(host)) expect(isInternalName(normalizeHost(host))).toBe(false);
  });
});

describe('assertPublicHost', () => {
  const resolver =
    (table: Record<string, string[]>): ResolveHost =>
    async (host) => {
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      const d = e as DomainError;
      return { kind: d.kind, code: d.code, field: d.field, message: d.message };
    }
    return undefined;
  };
  const dns = resolver({
    'github.com': ['140.82.112.3', '2606:50c0:8000::154'],
    'sneaky.example.com': ['140.82.112.3', '10.0.0.7'],
    'rebind.example.com': ['::ffff:169.254.169.254'],
    'nat64.example.com': ['64:ff9b::7f00:1'],
    'empty.example.com': [],
  });

  it('passes a name whose every address is public', async () => {
    await expect(assertPublicHost('github.com', dns)).resolves.toBeUndefined();
    await expect(assertPublicHost('GitHub.com.', dns)).resolves.toBeUndefined();
  });

  it('rejects a name when any one of its addresses is internal, without echoing the address', async () => {
    for (const host of ['sneaky.example.com', 'rebind.example.com', 'nat64.example.com']) {
      const error = await failure(assertPublicHost(host, dns));
      expect(error, host).toMatchObject({
        kind: 'invalid',
        code: 'network.private_host',
        field: 'repository.url',
      });
      expect(error?.message).toContain(`repository.url must point to a public host; ${host} resolves to`);
      expect(error?.message).not.toMatch(/10\.0\.0\.7|169\.254/);
    }
  });

  it('rejects internal spellings before resolving them', async () => {
    let asked = 0;
    const counting: ResolveHost = async (host) => {
      asked += 1;
      return dns(host);
    };
    for (const host of ['localhost.', '[::ffff:7f00:1]', '0x7f.1', 'metadata.google.internal.', 'x.svc']) {
      expect((await failure(assertPublicHost(host, counting)))?.code, host).toBe('network.private_host');
    }
    expect(asked).toBe(0);
  });

  it('accepts a public IP literal without resolving it', async () => {
    await expect(assertPublicHost('140.82.112.3', resolver({}))).resolves.toBeUndefined();
  });

  it('says when the name does not resolve, and when resolving failed for another reason', async () => {
    expect(await failure(assertPublicHost('nope.example.com', dns))).toMatchObject({
      kind: 'invalid',
      code: 'network.unresolvable_host',
      field: 'repository.url',
    });
    expect(await failure(assertPublicHost('empty.example.com', dns))).toMatchObject({
      code: 'network.unresolvable_host',
    });
    const broken: ResolveHost = async () => {
      throw Object.assign(new Error('queryA ETIMEOUT'), { code: 'ETIMEOUT' });
    };
    expect(await failure(assertPublicHost('github.com', broken))).toMatchObject({
      kind: 'unavailable',
      code: 'network.resolve_failed',
    });
  });

  it('names the field it is given', async () => {
    expect((await failure(assertPublicHost('localhost', dns, { field: 'webhookUrl' })))?.field).toBe(
      'webhookUrl',
    );
  });
});
