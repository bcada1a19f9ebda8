import type * as z from 'zod';
import { TRANSIENT_ERROR, WorkflowError } from '../../../shared/errors.ts';
import { ConfigError } from '../../lib/config.ts';
import { crumbSchema } from './schemas.ts';

/**
 * A small client for Jenkins' remote access API: Basic auth with a user's API token, a CSRF crumb
 * only when Jenkins asks for one, and errors named for the workflow's Retry/Catch (`TransientError`
 * is retried; anything else fails the run with the message as its reason). No message ever carries
 * the token or the Authorization header.
 */

/** Error names this adapter throws (the state machine matches `TransientError`). */
export const JenkinsErrors = {
  transient: TRANSIENT_ERROR,
  credentials: 'JenkinsCredentialsRejected',
  notFound: 'JenkinsNotFound',
  badResponse: 'JenkinsBadResponse',
  refused: 'JenkinsRequestRefused',
  /** Jenkins forgot the queue item and has no build for the run. */
  lost: 'BuildLost',
  /** A build id this adapter didn't write. */
  badBuildId: 'BuildNotFound',
  /** A poll offset this adapter didn't write. */
  badOffset: 'InvalidBuildOffset',
} as const;

export const jenkinsError = (name: string, message: string) => new WorkflowError(name, message);

export interface JenkinsClientOptions {
  /** Jenkins' root URL, e.g. https://ci.example.com/ or https://example.com/jenkins/. */
  url: string;
  user: string;
  apiToken: string;
  fetch?: typeof fetch | undefined;
  /** Per request; default 20 s. */
  timeoutMs?: number | undefined;
  /**
   * A GET that gets a transient answer (5xx, 408, 429, a reset connection) is tried again twice, after
   * about this long and twice that (with jitter; a Retry-After within reason is honoured); default 500 ms.
   */
  retryDelayMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_RETRY_DELAY_MS = 500;
/** A GET is tried this often in one call; longer trouble is ridden out across polls (see the build service). */
const GET_ATTEMPTS = 3;
/** A Retry-After longer than this is left to the next poll rather than waited out in this call. */
const MAX_RETRY_AFTER_MS = 5_000;
const TRANSIENT_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Jenkins' own wording for a POST without (or with a stale) crumb. */
const CRUMB_REJECTED = /no valid crumb/i;

/**
 * `team/wharf-deploy` → `/job/team/job/wharf-deploy`: each folder segment is its own `job/<name>`,
 * encoded, so a name can't reach another URL.
 */
export function jobPath(job: string): string {
  const segments = job.split('/');
  if (segments.some((s) => s.trim() === '' || s === '.' || s === '..')) {
    throw new ConfigError(`Jenkins job "${job}" is not a job name or folder path such as team/wharf-deploy`);
  }
  return segments.map((s) => `/job/${encodeURIComponent(s)}`).join('');
}

export interface SendOptions {
  query?: Record<string, string> | undefined;
  form?: URLSearchParams | undefined;
  /** Statuses the caller handles itself (e.g. 404); they are returned instead of thrown. */
  allow?: readonly number[] | undefined;
  /** The error for a 404 the caller doesn't handle, e.g. "Jenkins job x not found". */
  notFound?: (() => Error) | undefined;
}

interface Crumb {
  field: string;
  value: string;
  /** The session the crumb was issued in: Jenkins ties the crumb to it. */
  cookie: string | undefined;
}

const isTimeout = (error: unknown) => {
  const name = (error as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
};

/** `Retry-After` as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class JenkinsClient {
  readonly baseUrl: string;
  readonly user: string;
  private readonly authorization: string;
  private readonly secrets: string[];
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  /** Kept between calls only as a cache: a stale crumb gets a 403 and is fetched again. */
  private crumb: Crumb | undefined;

  constructor(options: JenkinsClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new ConfigError(`Jenkins URL "${options.url}" is not a URL`);
    }
    if (!/^https?:$/.test(parsed.protocol)) throw new ConfigError('Jenkins URL must be an http(s) URL');
    if (parsed.username || parsed.password)
      throw new ConfigError('Jenkins URL must not carry credentials: give the user and API token apart');
    if (!options.user || !options.apiToken) throw new ConfigError('Jenkins needs a user and an API token');
    parsed.search = '';
    parsed.hash = '';
    this.baseUrl = parsed.toString().replace(/\/+$/, '');
    this.user = options.user;
    const basic = Buffer.from(`${options.user}:${options.apiToken}`).toString('base64');
    this.authorization = `Basic ${basic}`;
    this.secrets = [options.apiToken, basic];
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  }

  /** A request by path (already encoded, from `/`); throws named errors for anything but success. */
  async send(method: 'GET' | 'POST', path: string, options: SendOptions = {}): Promise<Response> {
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const what = `${method} ${path}`;
    let response = await this.fetchWithRetry(method, `${this.baseUrl}${path}${query}`, what, options);
    if (response.status === 403 && method === 'POST' && (await this.crumbRejected(response))) {
      // Jenkins wants a crumb for this user and session: get one (with its session cookie) and retry once.
      this.crumb = await this.fetchCrumb();
      response = await this.fetchOnce(method, `${this.baseUrl}${path}${query}`, what, options.form);
    }
    return this.check(response, method, what, options);
  }

  /** GET a JSON document and validate it; a body that isn't the expected JSON is a clear error. */
  async getJson<S extends z.ZodType>(
    path: string,
    schema: S,
    options: Omit<SendOptions, 'form'> = {},
  ): Promise<{ status: number; data: z.infer<S> | undefined }> {
    const response = await this.send('GET', path, options);
    if (response.status === 404) {
      await response.body?.cancel();
      return { status: 404, data: undefined };
    }
    return { status: response.status, data: await this.readJson(response, schema, `GET ${path}`) };
  }

  async readJson<S extends z.ZodType>(response: Response, schema: S, what: string): Promise<z.infer<S>> {
    const text = await this.readText(response, what);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw jenkinsError(
        JenkinsErrors.badResponse,
        `Jenkins answered ${what} with a body that is not JSON (${this.snippet(text) || 'empty'}); is ${this.baseUrl} the Jenkins root URL?`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.length ? issue.path.join('.') : 'the document';
      throw jenkinsError(
        JenkinsErrors.badResponse,
        `Jenkins answered ${what} with JSON Wharf does not understand (${at}: ${issue?.message ?? 'invalid'})`,
      );
    }
    return parsed.data;
  }

  async readText(response: Response, what: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(response, what));
  }

  async readBytes(response: Response, what: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw this.networkError(error, what);
    }
  }

  /** A short, tag-free excerpt of a response body for a message, with the credentials cut out. */
  snippet(text: string): string {
    let out = text
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out.length > 200 ? `${out.slice(0, 200)}…` : out;
  }

  /**
   * GETs are safe to repeat: a transient answer or a reset connection is tried again after a short
   * backoff with jitter. POSTs never are (a second buildWithParameters could queue a second build);
   * neither is a timeout, which has already taken its time.
   */
  private async fetchWithRetry(
    method: 'GET' | 'POST',
    url: string,
    what: string,
    options: SendOptions,
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const last = method !== 'GET' || attempt >= GET_ATTEMPTS;
      let response: Response;
      try {
        response = await this.fetchRaw(method, url, options.form);
      } catch (error) {
        if (last || isTimeout(error)) throw this.networkError(error, what);
        await sleep(this.backoff(attempt));
        continue;
      }
      if (last || !TRANSIENT_STATUS(response.status) || options.allow?.includes(response.status)) {
        return response;
      }
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS) return response;
      await response.body?.cancel();
      await sleep(retryAfter ?? this.backoff(attempt));
    }
  }

  /** Exponential, with "equal jitter": half fixed, half random, so that clients spread out. */
  private backoff(attempt: number): number {
    const delay = this.retryDelayMs * 2 ** (attempt - 1);
    return delay / 2 + Math.random() * (delay / 2);
  }

  private async fetchOnce(
    method: 'GET' | 'POST',
    url: string,
    what: string,
    form: URLSearchParams | undefined,
  ): Promise<Response> {
    try {
      return await this.fetchRaw(method, url, form);
    } catch (error) {
      throw this.networkError(error, what);
    }
  }

  private async fetchRaw(
    method: 'GET' | 'POST',
    url: string,
    form: URLSearchParams | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
    };
    if (method === 'POST' && this.crumb) {
      headers[this.crumb.field] = this.crumb.value;
      if (this.crumb.cookie) headers.cookie = this.crumb.cookie;
    }
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    return await this.fetchImpl(url, {
      method,
      headers,
      body: form?.toString(),
      // A redirect is an answer here (POSTs answer 302/303), never something to follow with credentials.
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  private networkError(error: unknown, what: string): Error {
    const err = error as { cause?: { code?: string } };
    const why = isTimeout(error)
      ? `no answer within ${Math.round(this.timeoutMs / 1000)} s`
      : (err?.cause?.code ?? 'network error');
    return jenkinsError(
      JenkinsErrors.transient,
      `Jenkins at ${this.baseUrl} could not be reached for ${what} (${why})`,
    );
  }

  private async crumbRejected(response: Response): Promise<boolean> {
    if (CRUMB_REJECTED.test(response.statusText)) {
      await response.body?.cancel();
      return true;
    }
    return CRUMB_REJECTED.test(
      await response
        .clone()
        .text()
        .catch(() => ''),
    );
  }

  private async fetchCrumb(): Promise<Crumb> {
    const what = 'GET /crumbIssuer/api/json';
    const response = await this.fetchOnce('GET', `${this.baseUrl}/crumbIssuer/api/json`, what, undefined);
    await this.check(response, 'GET', what, {
      notFound: () =>
        jenkinsError(
          JenkinsErrors.refused,
          'Jenkins asked for a CSRF crumb but has no crumb issuer (GET /crumbIssuer/api/json answered 404)',
        ),
    });
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]?.trim())
      .filter((c): c is string => Boolean(c))
      .join('; ');
    const { crumb, crumbRequestField } = await this.readJson(response, crumbSchema, what);
    return { field: crumbRequestField, value: crumb, cookie: cookie || undefined };
  }

  private async check(
    response: Response,
    method: 'GET' | 'POST',
    what: string,
    options: SendOptions,
  ): Promise<Response> {
    const { status } = response;
    if (options.allow?.includes(status)) return response;
    if (status >= 200 && status < 300) return response;
    if (status >= 300 && status < 400) {
      // POSTs to Jenkins' action URLs answer with a redirect to the page they acted on.
      if (method === 'POST') return response;
      await response.body?.cancel();
      throw jenkinsError(
        JenkinsErrors.badResponse,
        `Jenkins redirected ${what} to ${response.headers.get('location') ?? 'another page'}; a login page in front of Jenkins? Point the URL at Jenkins itself`,
      );
    }
    if (status === 404) {
      await response.body?.cancel();
      throw options.notFound?.() ?? jenkinsError(JenkinsErrors.notFound, `Jenkins has no ${what}`);
    }
    const body = this.snippet(await response.text().catch(() => ''));
    if (status === 401) {
      throw jenkinsError(
        JenkinsErrors.credentials,
        `Jenkins rejected the credentials of user "${this.user}" (HTTP 401 on ${what}): check the user and API token Wharf uses for Jenkins`,
      );
    }
    if (status === 403) {
      throw jenkinsError(
        JenkinsErrors.credentials,
        `Jenkins rejected the credentials of user "${this.user}" for ${what} (HTTP 403${body ? `: ${body}` : ''}): the user needs Overall/Read and Job/Read, Build and Cancel on the job`,
      );
    }
    if (status === 408 || status === 429 || status >= 500) {
      throw jenkinsError(
        JenkinsErrors.transient,
        `Jenkins answered HTTP ${status} to ${what}${body ? ` (${body})` : ''}`,
      );
    }
    throw jenkinsError(
      JenkinsErrors.refused,
      `Jenkins refused ${what} (HTTP ${status}${body ? `: ${body}` : ''})`,
    );
  }
}
