import { createHash, randomBytes } from 'node:crypto';
import { API_SCOPE, CLI_CLIENT_ID } from './oidc-issuer.ts';

/**
 * Signs a dev account in through the local issuer's real Authorization Code + PKCE flow, the way a
 * browser would (authorize → sign-in page → one click → code → token), and returns the access token.
 */
export async function devLogin(
  issuer: string,
  username: string,
): Promise<{ accessToken: string; idToken?: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${issuer}/cli/callback`;
  const state = randomBytes(8).toString('hex');
  const cookies = new Map<string, string>();

  const request = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  };
  const follow = async (start: Response) => {
    let res = start;
    for (let hops = 0; hops < 10; hops++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, location: undefined };
      const next = new URL(location, issuer).href;
      if (next.startsWith(redirectUri)) return { res, location: next };
      res = await request(next);
    }
    throw new Error('too many redirects during sign-in');
  };

  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLI_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `openid profile email ${API_SCOPE}`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  const page = await follow(await request(authorize.href));
  let callback = page.location;
  if (!callback) {
    const html = await page.res.text();
    const action = html.match(/<form method="post" action="([^"]+\/login)"/)?.[1];
    if (!action) throw new Error(`the issuer did not show its sign-in page (HTTP ${page.res.status})`);
    if (!html.includes(`value="${username}"`))
      throw new Error(`${username} is not a dev account of the local issuer`);
    const login = await request(new URL(action, issuer).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username }).toString(),
    });
    callback = (await follow(login)).location;
  }
  if (!callback) throw new Error('sign-in did not return to the client');
  const params = new URL(callback).searchParams;
  if (params.get('error'))
    throw new Error(`sign-in failed: ${params.get('error')}: ${params.get('error_description')}`);
  if (params.get('state') !== state) throw new Error('sign-in returned a different state');
  const code = params.get('code');
  if (!code) throw new Error('sign-in returned no code');

  const tokenRes = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: CLI_CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  const tokens = (await tokenRes.json()) as {
    access_token?: string;
    id_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!tokenRes.ok || !tokens.access_token) {
    throw new Error(
      `token request failed: ${tokens.error ?? tokenRes.status} ${tokens.error_description ?? ''}`,
    );
  }
  return { accessToken: tokens.access_token, ...(tokens.id_token ? { idToken: tokens.id_token } : {}) };
}
