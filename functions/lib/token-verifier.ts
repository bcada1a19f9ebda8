import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/**
 * Verifies access tokens with aws-jwt-verify, exactly as the WebSocket authorizer will in AWS.
 * aws-jwt-verify fetches JWKS over https only; the local issuer is plain http on loopback, so the
 * JWKS is fetched with a loopback-only fetcher. Signature, issuer, audience and expiry are checked
 * by the library as usual; a token without an expiry is refused here.
 */
export function makeTokenVerifier(options: { issuer: string; audience: string; jwksUri: string }) {
  const jwksUrl = new URL(options.jwksUri);
  if (jwksUrl.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(jwksUrl.hostname)) {
    throw new Error(
      `Refusing to fetch a JWKS over plain http from ${jwksUrl.host}; only loopback may use http`,
    );
  }
  const jwksCache = new SimpleJwksCache({
    fetcher: {
      fetch: async (uri) => {
        const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
        if (!res.ok) throw new Error(`JWKS fetch from ${uri} failed: ${res.status}`);
        return res.arrayBuffer();
      },
    },
  });
  const verifier = JwtRsaVerifier.create(
    { issuer: options.issuer, audience: options.audience, jwksUri: options.jwksUri },
    { jwksCache },
  );
  return {
    verify: async (token: string) => {
      const claims = (await verifier.verify(token)) as Record<string, unknown>;
      // aws-jwt-verify checks exp only when present; API Gateway's JWT authorizer requires it, and a
      // token that never expires cannot be taken back.
      if (typeof claims.exp !== 'number') throw new Error('Token has no exp (expiry) claim');
      return claims;
    },
  };
}
