import { setting } from '../config.ts';
import { makeTokenVerifier } from '../token-verifier.ts';
import { port, settings } from './ports.ts';

/** Verifies API access tokens (the WebSocket authorizer; the HTTP API's JWT authorizer does it in AWS). */
export const tokenVerifier = port('tokenVerifier', () => {
  const { env } = settings();
  const issuer = setting(env, 'WHARF_JWT_ISSUER', 'the OIDC issuer URL whose access tokens the API accepts');
  return makeTokenVerifier({
    issuer,
    audience: setting(env, 'WHARF_JWT_AUDIENCE', 'the audience of Wharf API access tokens'),
    jwksUri: env.WHARF_JWKS_URI?.trim() || `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
  });
});
