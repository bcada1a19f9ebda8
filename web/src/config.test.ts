import { describe, expect, it } from 'vitest';
import { loadConfig, webSocketUrl } from './config.ts';

const respond = (body: unknown, status = 200) =>
  (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

describe('loadConfig', () => {
  it('reads the issuer and client, defaulting the API and WebSocket paths', async () => {
    const config = await loadConfig(respond({ issuer: 'http://localhost:8080/oidc', clientId: 'wharf-web' }));
    expect(config).toMatchObject({
      apiUrl: '/api',
      webSocketUrl: '/ws',
      mode: 'cloud',
      clientId: 'wharf-web',
    });
  });

  it('names the broken setting', async () => {
    await expect(loadConfig(respond({ issuer: 'not a url', clientId: 'x' }))).rejects.toThrow(/issuer/);
    await expect(loadConfig(respond({}, 404))).rejects.toThrow(/HTTP 404/);
  });

  it('turns a path into a ws:// or wss:// URL on this host', () => {
    const config = { webSocketUrl: '/ws' } as Parameters<typeof webSocketUrl>[0];
    expect(webSocketUrl(config, { protocol: 'https:', host: 'wharf.example.com' } as Location)).toBe(
      'wss://wharf.example.com/ws',
    );
    expect(webSocketUrl(config, { protocol: 'http:', host: 'localhost:8080' } as Location)).toBe(
      'ws://localhost:8080/ws',
    );
  });
});
