import { describe, expect, it } from 'vitest';
import { DNS_LABEL_MAX, dnsLabel, isDnsLabel, slugify, stableHash, workspaceNamespace } from './naming.ts';

describe('dnsLabel', () => {
  it('keeps short valid names as they are', () => {
    expect(dnsLabel(['payments', 'w1234'])).toBe('payments-w1234');
  });

  it('slugifies characters Kubernetes rejects', () => {
    expect(slugify('  Alice’s Team__Prod ')).toBe('alice-s-team-prod');
    expect(isDnsLabel(dnsLabel(['--Weird..Name--']))).toBe(true);
  });

  it('truncates to 63 characters with a stable hash suffix', () => {
    const long = 'a'.repeat(100);
    const label = dnsLabel([long]);
    expect(label.length).toBe(DNS_LABEL_MAX);
    expect(label).toBe(dnsLabel([long]));
    expect(label.endsWith(`-${stableHash(long)}`)).toBe(true);
    expect(isDnsLabel(label)).toBe(true);
  });

  it('gives different labels to long names that share a prefix', () => {
    const a = dnsLabel([`${'x'.repeat(70)}-one`]);
    const b = dnsLabel([`${'x'.repeat(70)}-two`]);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(63);
  });

  it('never ends the cut head with a dash', () => {
    const label = dnsLabel([`${'a'.repeat(53)}-${'b'.repeat(20)}`]);
    expect(isDnsLabel(label)).toBe(true);
    expect(label).not.toContain('--');
  });
});

describe('workspaceNamespace', () => {
  const ws = { id: 'w0abc123def45', name: 'payments' };
  it('derives the production namespace from name and id', () => {
    expect(workspaceNamespace(ws)).toBe('payments-w0abc123def45');
    expect(workspaceNamespace(ws, 'production')).toBe('payments-w0abc123def45');
  });
  it('suffixes other environments and stays within 63', () => {
    expect(workspaceNamespace(ws, 'staging')).toBe('payments-w0abc123def45-staging');
    const longWs = { id: 'w0abc123def45', name: 'n'.repeat(63) };
    expect(workspaceNamespace(longWs, 'staging').length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(workspaceNamespace(longWs, 'staging'))).toBe(true);
  });
});
