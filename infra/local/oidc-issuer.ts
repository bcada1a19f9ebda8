import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import Provider, {
  type Adapter,
  type AdapterPayload,
  type Configuration,
  errors,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { devAccounts, findDevAccount } from './dev-accounts.ts';

/** The audience of Wharf's API access tokens; the gateway (and the AWS JWT authorizer) checks it. */
export const API_AUDIENCE = 'wharf-api';
/** The resource indicator (RFC 8707) under which the issuer knows the API. */
export const API_RESOURCE = 'urn:wharf:api';
export const API_SCOPE = 'wharf';
export const WEB_CLIENT_ID = 'wharf-web';
export const CLI_CLIENT_ID = 'wharf-cli';
export const ISSUER_PATH = '/oidc';

interface PersistedKeys {
  signing: Record<string, unknown>;
  cookies: string[];
}

/** Signing and cookie keys are kept under .wharf/ so tokens stay valid across restarts. */
async function loadKeys(dataDir: string): Promise<PersistedKeys> {
  const file = join(dataDir, 'oidc-keys.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as PersistedKeys;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signing = {
    ...privateKey.export({ format: 'jwk' }),
    kid: `wharf-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };
  const keys = { signing, cookies: [randomBytes(32).toString('base64url')] };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

export interface IssuerOptions {
  origin: string;
  dataDir: string;
  accessTokenTtlSeconds?: number;
}

export interface LocalIssuer {
  issuer: string;
  jwksUri: string;
  provider: Provider;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Sessions, codes and grants kept in this process. Restarting the stack signs browsers out; access
 * tokens stay valid because they are JWTs signed with the persisted key.
 */
const memory = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
class MemoryAdapter implements Adapter {
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    memory.set(this.key(id), {
      payload,
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
    });
    if (payload.grantId)
      memory.set(`grant:${payload.grantId}:${this.key(id)}`, {
        payload: {},
        expiresAt: Number.POSITIVE_INFINITY,
      });
    if (payload.uid)
      memory.set(`uid:${payload.uid}`, {
        payload: { id } as AdapterPayload,
        expiresAt: Number.POSITIVE_INFINITY,
      });
    if (payload.userCode)
      memory.set(`userCode:${payload.userCode}`, {
        payload: { id } as AdapterPayload,
        expiresAt: Number.POSITIVE_INFINITY,
      });
  }
  async find(id: string) {
    const entry = memory.get(this.key(id));
    if (!entry || entry.expiresAt < Date.now()) return undefined;
    return entry.payload;
  }
  async findByUid(uid: string) {
    const ref = memory.get(`uid:${uid}`)?.payload as { id?: string } | undefined;
    return ref?.id ? this.find(ref.id) : undefined;
  }
  async findByUserCode(userCode: string) {
    const ref = memory.get(`userCode:${userCode}`)?.payload as { id?: string } | undefined;
    return ref?.id ? this.find(ref.id) : undefined;
  }
  async consume(id: string) {
    const entry = memory.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    memory.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    const prefix = `grant:${grantId}:`;
    for (const key of [...memory.keys()]) {
      if (key.startsWith(prefix)) {
        memory.delete(key.slice(prefix.length));
        memory.delete(key);
      }
    }
  }
}

const html = (body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in to Wharf (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#111}
button{display:block;width:100%;margin:.5rem 0;padding:.75rem;font-size:1rem;border:1px solid #333;border-radius:.5rem;background:#fff;cursor:pointer;text-align:left}
button:hover,button:focus{background:#eef}small{color:#444}</style></head><body>${body}</body></html>`;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The embedded OIDC issuer (oidc-provider) for the local stack: Authorization Code + PKCE for the
 * SPA and the token command, RS256 JWT access tokens for the API audience, dev accounts one click away.
 */
export async function createLocalIssuer({
  origin,
  dataDir,
  accessTokenTtlSeconds = 12 * 3600,
}: IssuerOptions): Promise<LocalIssuer> {
  const issuer = `${origin}${ISSUER_PATH}`;
  const keys = await loadKeys(dataDir);
  const firstParty = new Set([WEB_CLIENT_ID, CLI_CLIENT_ID]);

  const configuration: Configuration = {
    clients: [
      {
        client_id: WEB_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [`${origin}/callback`, `${origin}/silent-renew`],
        post_logout_redirect_uris: [`${origin}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: CLI_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [`${issuer}/cli/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    adapter: MemoryAdapter,
    jwks: { keys: [keys.signing as never] },
    cookies: { keys: keys.cookies },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    scopes: ['openid', 'profile', 'email', 'offline_access', API_SCOPE],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== API_RESOURCE) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: API_SCOPE,
            audience: API_AUDIENCE,
            accessTokenTTL: accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    findAccount: async (_ctx, id) => {
      const account = findDevAccount(id);
      if (!account) return undefined;
      return {
        accountId: account.id,
        claims: async () => ({
          sub: account.id,
          preferred_username: account.username,
          name: account.name,
          email: account.email,
        }),
      };
    },
    extraTokenClaims: async (_ctx, token) => {
      const account =
        'accountId' in token && typeof token.accountId === 'string'
          ? findDevAccount(token.accountId)
          : undefined;
      return account
        ? { preferred_username: account.username, name: account.name, email: account.email }
        : undefined;
    },
    // Wharf's own clients need no consent screen: the grant is made for them on sign-in.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client;
      const session = ctx.oidc.session;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      if (!firstParty.has(client.clientId)) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(`openid profile email offline_access ${API_SCOPE}`);
      grant.addResourceScope(API_RESOURCE, API_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `${ISSUER_PATH}/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = html(
        `<h1>Sign-in problem</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p><p><a href="/">Back to Wharf</a></p>`,
      );
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.proxy = true;
  const callback = provider.callback();

  async function interaction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    action: string | undefined,
  ) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const account = findDevAccount(form.get('username') ?? '');
      if (!account) {
        res
          .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
          .end(html('<p>Unknown dev account.</p>'));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.id } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (req.method === 'POST' && action === 'abort') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'Sign-in cancelled',
      });
      return;
    }
    const buttons = devAccounts
      .map(
        (a) =>
          `<button type="submit" name="username" value="${escapeHtml(a.username)}">Sign in as <strong>${escapeHtml(a.name)}</strong><br><small>${escapeHtml(a.username)} · ${escapeHtml(a.email)}</small></button>`,
      )
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(
      html(`<h1>Sign in to Wharf</h1><p>Local platform: pick a dev account.</p>
<form method="post" action="${ISSUER_PATH}/interaction/${escapeHtml(uid)}/login">${buttons}</form>
<form method="post" action="${ISSUER_PATH}/interaction/${escapeHtml(uid)}/abort"><button type="submit">Cancel</button></form>`),
    );
  }

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    provider,
    async handle(req, res) {
      const url = req.url ?? '/';
      const match = url.match(/^\/oidc\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?(?:\?.*)?$/);
      if (match?.[1]) {
        try {
          await interaction(req, res, match[1], match[2]);
        } catch {
          res
            .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
            .end(html('<p>This sign-in attempt has expired. <a href="/">Start again</a>.</p>'));
        }
        return;
      }
      if (url.startsWith(`${ISSUER_PATH}/cli/callback`)) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in. You can close this window.');
        return;
      }
      // Mounted under /oidc the way Express would: originalUrl keeps the prefix, url loses it.
      Object.assign(req, { originalUrl: url, url: url.slice(ISSUER_PATH.length) || '/' });
      await callback(req, res);
    },
  };
}
