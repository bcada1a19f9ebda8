import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { publicOnlyLookup, resolveHost } from './dns.ts';

describe('system resolver adapter', () => {
  it('resolves every address of a name (localhost is loopback on any machine)', async () => {
    const addresses = await resolveHost('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    for (const { address } of addresses) expect(address).toMatch(/^(127\.|::1$)/);
  });

  it('refuses to connect when the name resolves to a non-public address', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = connect({ host: 'localhost', port: 9, lookup: publicOnlyLookup });
      socket.on('error', resolve);
      socket.on('connect', () => {
        socket.destroy();
        resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' }));
      });
    });
    expect(error.code).toBe('EPRIVATEHOST');
  });
});
