import { createConnection } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it, vi } from 'vitest';
import { listenHost } from './net.ts';

const stack = inject('wharf');

/** This machine's first address that is not loopback: what another machine on the network would dial. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('the local platform listens on loopback unless an operator opens it', () => {
  it.skipIf(!outsideAddress)(
    'the gateway and DynamoDB Local refuse connections on other interfaces',
    async () => {
      const gatewayPort = Number(new URL(stack.url).port);
      const dynamoPort = Number(new URL(stack.dynamodbEndpoint).port);
      expect(await accepts('127.0.0.1', gatewayPort)).toBe(true);
      expect(await accepts('127.0.0.1', dynamoPort)).toBe(true);
      expect(await accepts(outsideAddress as string, gatewayPort)).toBe(false);
      expect(await accepts(outsideAddress as string, dynamoPort)).toBe(false);
    },
  );

  it('binds 127.0.0.1 by default; WHARF_HOST opens it, with a warning', () => {
    const warn = vi.fn();
    expect(listenHost({}, warn)).toBe('127.0.0.1');
    expect(listenHost({ WHARF_HOST: '' }, warn)).toBe('127.0.0.1');
    expect(warn).not.toHaveBeenCalled();
    expect(listenHost({ WHARF_HOST: '127.0.0.1' }, warn)).toBe('127.0.0.1');
    expect(warn).not.toHaveBeenCalled();
    expect(listenHost({ WHARF_HOST: '0.0.0.0' }, warn)).toBe('0.0.0.0');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('0.0.0.0'));
    expect(warn.mock.calls[0]?.[0]).toMatch(/other machines/);
  });
});
