import type { ErrorBody } from '@shared/api.ts';

/**
 * The one way the SPA talks to the API. Service modules (one per resource, `*-service.ts`) build on
 * `ApiClient.request`; errors arrive as `ApiError` with the API's stable code and the field at fault.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export type TokenSource = () => Promise<string | undefined>;

export interface ApiClient {
  request<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    options?: { body?: unknown; query?: Record<string, string | number | undefined>; signal?: AbortSignal },
  ): Promise<T>;
}

/** Encodes one path segment (ids, names): user input never reaches a URL unencoded. */
export const seg = (value: string) => encodeURIComponent(value);

export function createApiClient(options: {
  apiUrl: string;
  token: TokenSource;
  /** Called on a 401, so the app can send the user to sign in again. */
  onUnauthenticated?: () => void;
  fetch?: typeof fetch;
}): ApiClient {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = options.apiUrl.replace(/\/$/, '');
  return {
    async request<T>(
      method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
      path: string,
      {
        body,
        query,
        signal,
      }: { body?: unknown; query?: Record<string, string | number | undefined>; signal?: AbortSignal } = {},
    ): Promise<T> {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query ?? {})) {
        if (value !== undefined && value !== '') search.set(key, String(value));
      }
      const qs = search.toString();
      const token = await options.token();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await doFetch(`${base}${path}${qs ? `?${qs}` : ''}`, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        throw new ApiError(0, 'network', 'Wharf could not be reached. Check your connection and try again.');
      }
      const text = await response.text();
      let payload: unknown;
      try {
        payload = text ? JSON.parse(text) : undefined;
      } catch {
        payload = undefined;
      }
      if (!response.ok) {
        if (response.status === 401) options.onUnauthenticated?.();
        // Partial: a proxy in between (a gateway's own 502) may answer something else.
        const error = (payload as { error?: Partial<ErrorBody['error']> } | undefined)?.error;
        throw new ApiError(
          response.status,
          error?.code ?? `http.${response.status}`,
          error?.message ??
            (payload as { message?: string } | undefined)?.message ??
            `The request failed (HTTP ${response.status}).`,
          error?.field,
        );
      }
      return payload as T;
    },
  };
}
