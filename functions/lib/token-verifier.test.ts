import { createSign, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTokenVerifier } from './token-verifier.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'test-key';
const issuer = 'http://127.0.0.1/test-issuer';
const audience = 'wharf-api';

/** An RS256 JWT signed with the test key, with exactly the claims given. */
function sign(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
  return `${input}.${signature}`;
}

describe('makeTokenVerifier', () => {
  let server: Server;
  let verifier: ReturnType<typeof makeTokenVerifier>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    const jwks = JSON.stringify({
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
    });
    server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    verifier = makeTokenVerifier({ issuer, audience, jwksUri });
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('accepts a signed token for this issuer and audience that has not expired', async () => {
    const claims = await verifier.verify(sign({ iss: issuer, aud: audience, sub: 'alice', exp: now() + 60 }));
    expect(claims.sub).toBe('alice');
  });

  it("refuses a token without exp, as API Gateway's JWT authorizer does", async () => {
    await expect(verifier.verify(sign({ iss: issuer, aud: audience, sub: 'alice' }))).rejects.toThrow(/exp/);
    await expect(
      verifier.verify(sign({ iss: issuer, aud: audience, sub: 'alice', exp: String(now() + 60) })),
    ).rejects.toThrow(/exp/);
  });

  it('refuses an expired token', async () => {
    await expect(
      verifier.verify(sign({ iss: issuer, aud: audience, sub: 'alice', exp: now() - 60 })),
    ).rejects.toThrow();
  });
});
