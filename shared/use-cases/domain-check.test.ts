import { describe, expect, it } from 'vitest';
import type { ResolveHost } from '../network-guard.ts';
import { checkDomain } from './domain-check.ts';

const noSuchName = () => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });

/** A resolver answering from a table: a name missing from it does not exist. */
const dns =
  (table: Record<string, string[] | 'hang' | 'servfail'>): ResolveHost =>
  async (host) => {
    const entry = table[host];
    if (entry === 'hang') return new Promise(() => {});
    if (entry === 'servfail') throw Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' });
    if (!entry) throw noSuchName();
    return entry.map((address) => ({ address, family: 4 }));
  };

const ingressHost = 'lb-1234.elb.eu-west-1.amazonaws.com';
const record = { type: 'CNAME', name: 'shop.example.com', value: ingressHost };

describe('checkDomain', () => {
  it('names the CNAME to create, lowercased and without the root dot', async () => {
    const deps = { ingressHost: `${ingressHost.toUpperCase()}.`, resolve: dns({}) };
    expect(await checkDomain(deps, 'Shop.Example.com.', { lookup: false })).toEqual({ record });
  });

  it('resolves when the domain reaches one of the ingress addresses (a load balancer answers a subset)', async () => {
    const resolve = dns({
      [ingressHost]: ['203.0.113.1', '203.0.113.2'],
      'shop.example.com': ['203.0.113.2'],
    });
    expect(await checkDomain({ ingressHost, resolve }, 'shop.example.com', { lookup: true })).toEqual({
      record,
      resolves: true,
    });
  });

  it('does not resolve while the domain is missing or points elsewhere', async () => {
    const missing = dns({ [ingressHost]: ['203.0.113.1'] });
    expect(
      await checkDomain({ ingressHost, resolve: missing }, 'shop.example.com', { lookup: true }),
    ).toEqual({
      record,
      resolves: false,
    });
    const elsewhere = dns({ [ingressHost]: ['203.0.113.1'], 'shop.example.com': ['198.51.100.7'] });
    expect(
      (await checkDomain({ ingressHost, resolve: elsewhere }, 'shop.example.com', { lookup: true })).resolves,
    ).toBe(false);
  });

  it('leaves it unknown, within the timeout, when DNS does not answer', async () => {
    const resolve = dns({ [ingressHost]: ['203.0.113.1'], 'shop.example.com': 'hang' });
    const started = performance.now();
    const check = await checkDomain({ ingressHost, resolve, timeoutMs: 50 }, 'shop.example.com', {
      lookup: true,
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(check).toEqual({ record });
    expect(check).not.toHaveProperty('resolves');
    const failing = dns({ [ingressHost]: 'servfail', 'shop.example.com': ['203.0.113.1'] });
    expect(
      await checkDomain({ ingressHost, resolve: failing }, 'shop.example.com', { lookup: true }),
    ).toEqual({
      record,
    });
  });
});
