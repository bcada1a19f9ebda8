import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { transientError, WorkflowError } from '../../../shared/errors.ts';
import { logger } from '../../lib/logger.ts';
import type { WriteBudget } from './write-budget.ts';

/**
 * How Wharf signs in to GitHub. A GitHub App installation (short-lived installation tokens, scoped
 * to the repositories it is installed on, `contents: write`) is the preferred mode; a fine-grained
 * token with `Contents: Read and write` on the GitOps repository also works.
 */
export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId: number };

export interface GitHubClientOptions {
  auth: GitHubAuth;
  /** REST API root: `https://api.github.com` (default), `https://ghe.example.com/api/v3`, or a fake. */
  baseUrl?: string | undefined;
  userAgent?: string | undefined;
  /** Paces every content-creating request (its retries included). */
  writeBudget?: WriteBudget | undefined;
  /** Retries of a 5xx or network failure (@octokit/plugin-retry); default 3. */
  retries?: number | undefined;
  /** The retry plugin waits (n + 1)² × this before retry n; default 1000 ms. */
  retryDelayMs?: number | undefined;
  /** Retries after a primary or secondary rate limit; default 2. */
  rateLimitRetries?: number | undefined;
  /** A primary rate limit that resets later than this fails (to be retried by the workflow); default 60 s. */
  maxRateLimitWaitSeconds?: number | undefined;
  /** One request attempt's time limit; default 30 s. */
  requestTimeoutMs?: number | undefined;
}

/** Octokit with the plugins every Wharf GitHub client uses: throttling and retries. */
export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubOctokit = InstanceType<typeof GitHubOctokit>;

type ThrottleWriteGroup = NonNullable<ThrottlingOptions['write']>;

/**
 * Creates the GitHub client. Credentials stay inside Octokit's auth strategy: they are never logged
 * and never part of an error message (messages pass through `redactor`).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubOctokit {
  const redact = redactor(options.auth);
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const budget = options.writeBudget;
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message: string) => logger.warn('github client', { detail: redact(String(message)) }),
    // Octokit logs every non-2xx here, including the 422s a moved branch is expected to give; the
    // adapter reports what it could not handle itself, so these are information only.
    error: (message: string) => logger.info('github client', { detail: redact(String(message)) }),
  };
  // Each attempt gets its own time limit (a signal shared across retries would stay aborted).
  const fetchWithTimeout: typeof fetch = (input, init) =>
    fetch(input, {
      ...init,
      signal: init?.signal
        ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });

  return new GitHubOctokit({
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: options.userAgent ?? 'wharf-gitops',
    log,
    request: { fetch: fetchWithTimeout },
    ...(options.auth.kind === 'app'
      ? {
          authStrategy: createAppAuth,
          auth: {
            appId: options.auth.appId,
            privateKey: options.auth.privateKey,
            installationId: options.auth.installationId,
          },
        }
      : { auth: options.auth.token }),
    retry: {
      retries: options.retries ?? 3,
      // The plugin's list plus 409: a conflict means the branch moved (the adapter rebuilds the commit)
      // or the repository is empty; repeating the same request can't help. And 429: a rate limit is the
      // throttling plugin's to wait out; once it gives up, a quick retry here would land inside the
      // limit GitHub is still holding and push it further out.
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      ...(options.retryDelayMs !== undefined ? { retryAfterBaseValue: options.retryDelayMs } : {}),
    },
    throttle: {
      id: 'wharf-gitops',
      ...(budget ? { write: budget.asThrottleGroup() as unknown as ThrottleWriteGroup } : {}),
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        const retrying = retryCount < rateLimitRetries && retryAfter <= maxWait;
        log.warn(
          `GitHub rate limit on ${request.method} ${request.url}: ${retrying ? `retrying in ${retryAfter} s` : 'giving up'}`,
        );
        return retrying;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        // Every write of this process waits, not just the one that was refused.
        budget?.pause(Date.now() + retryAfter * 1_000);
        const retrying = retryCount < rateLimitRetries && retryAfter <= maxWait;
        log.warn(
          `GitHub secondary rate limit on ${request.method} ${request.url}: ${retrying ? `retrying in ${retryAfter} s` : 'giving up'}`,
        );
        return retrying;
      },
    },
  });
}

// ---- Errors ------------------------------------------------------------------------------------

/** What an Octokit RequestError (or a network failure it wraps) carries that we look at. */
interface HttpFailure {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown } | undefined;
  request?: { url?: string | undefined; method?: string | undefined } | undefined;
}

export function httpFailure(error: unknown): HttpFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? (error as HttpFailure) : undefined;
}

/** GitHub's own words: the body's message, without Octokit's ` - <documentation url>` suffix. */
export function gitHubMessage(failure: HttpFailure): string {
  const data = failure.response?.data;
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
  ) {
    return (data as { message: string }).message;
  }
  return failure.message.replace(/ - https?:\/\/\S+$/, '');
}

function isRateLimited(failure: HttpFailure): boolean {
  if (failure.status === 429) return true;
  if (failure.status !== 403) return false;
  return (
    /\bsecondary rate\b|\brate limit\b/i.test(gitHubMessage(failure)) ||
    failure.response?.headers?.['x-ratelimit-remaining'] === '0'
  );
}

/** Removes anything that looks like a credential from text that may end up in a log or a message. */
function redactor(auth: GitHubAuth) {
  const secrets = (auth.kind === 'token' ? [auth.token] : [auth.privateKey]).filter((s) => s.length >= 8);
  return (text: string): string => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join('[REDACTED]');
    return out
      .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[REDACTED]')
      .replace(/\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})\b/g, '[REDACTED]')
      .replace(/\b(bearer|token)\s+[A-Za-z0-9._~+/-]{16,}=*/gi, '$1 [REDACTED]');
  };
}

export interface FailureContext {
  owner: string;
  repo: string;
  auth: GitHubAuth;
  /** What Wharf was doing, e.g. `updating main`. */
  action: string;
}

/**
 * Turns a failed GitHub call into an error the workflow understands: `TransientError` (retried by
 * the state machine) for 5xx after the client's own retries, network failures and rate limits;
 * otherwise a named, permanent error whose message says what to fix. Never includes credentials.
 */
export function gitHubError(error: unknown, context: FailureContext): Error {
  if (error instanceof WorkflowError) return error;
  const redact = redactor(context.auth);
  const where = `${context.owner}/${context.repo}`;
  const failure = httpFailure(error);
  if (!failure) {
    const message = redact(error instanceof Error ? error.message : String(error));
    if (context.auth.kind === 'app' && /private key|pkcs|jwt|keyData|asn1|decoder/i.test(message)) {
      return new WorkflowError(
        'GitHubUnauthorized',
        `The GitHub App private key could not sign in to ${where} (${message}): configure the app's PEM private key.`,
      );
    }
    if (isNetworkFailure(error)) {
      return transientError(
        `GitHub could not be reached while ${context.action} on ${where} (${message}); it will be retried.`,
      );
    }
    return error instanceof Error ? error : new Error(message);
  }
  const said = redact(gitHubMessage(failure));
  const url = failure.request?.url ?? '';
  const identity =
    context.auth.kind === 'app'
      ? `the GitHub App ${context.auth.appId} (installation ${context.auth.installationId})`
      : 'the GitHub token';
  if (failure.status === 401) {
    return new WorkflowError(
      'GitHubUnauthorized',
      `GitHub rejected the credentials while ${context.action} on ${where} (${said}): check ${identity}.`,
    );
  }
  if (isRateLimited(failure)) {
    const reset = Number(failure.response?.headers?.['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    return transientError(
      `GitHub's rate limit held back ${context.action} on ${where}${when} (${said}); it will be retried.`,
    );
  }
  if (failure.status === 403) {
    return new WorkflowError(
      'GitHubForbidden',
      `GitHub refused ${context.action} on ${where} (${said}): ${identity} lacks contents:write (Contents: Read and write) on ${where}.`,
    );
  }
  if (failure.status === 404 && /\/app\/installations\//.test(url)) {
    return new WorkflowError(
      'GitHubUnauthorized',
      `GitHub has no installation ${context.auth.kind === 'app' ? context.auth.installationId : ''} of ${identity.replace(/ \(.*\)$/, '')}: install the app on ${where} and configure its installation id.`,
    );
  }
  if (failure.status >= 500) {
    return transientError(
      `GitHub failed while ${context.action} on ${where} (${failure.status} ${said}); it will be retried.`,
    );
  }
  if (failure.status === 404) {
    return new WorkflowError(
      'GitHubNotFound',
      `GitHub found nothing while ${context.action} on ${where} (${said}): check that the repository exists and that ${identity} can see it.`,
    );
  }
  return new WorkflowError(
    'GitHubRequestFailed',
    `GitHub refused ${context.action} on ${where} (${failure.status} ${said}).`,
  );
}

/** A request that never got an answer: timed out, aborted, or the connection failed. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'AbortError' ||
    error.name === 'TimeoutError' ||
    (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) ||
    /fetch failed|socket|network/i.test(error.message)
  );
}
