import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Run, TERMINAL_STATUSES } from '../../../shared/deploy.ts';
import { devLogin } from '../dev-login.ts';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small client for tests: one signed-in dev account calling the local gateway. */
export async function signIn(stack: { url: string; issuer: string }, username: string) {
  const { accessToken } = await devLogin(stack.issuer, username);
  return apiClient(stack.url, accessToken);
}

export function apiClient(url: string, token?: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    raw?: string,
  ): Promise<ApiResponse<T>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    token,
    get: <T = any>(path: string) => call<T>('GET', path),
    post: <T = any>(path: string, body?: unknown) => call<T>('POST', path, body),
    patch: <T = any>(path: string, body?: unknown) => call<T>('PATCH', path, body),
    delete: <T = any>(path: string) => call<T>('DELETE', path),
    raw: call,
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Polls a run until it ends (deployed, failed, rolled back, superseded, cancelled). */
export async function waitForRun(
  client: ApiClient,
  run: { workspaceId: string; projectId: string; id: string },
  timeoutMs = 60_000,
): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get<Run>(
      `/api/workspaces/${run.workspaceId}/projects/${run.projectId}/deployments/${run.id}`,
    );
    if (TERMINAL_STATUSES.has(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`run ${run.id} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const run = promisify(execFile);

/**
 * The first commit of a sample repository: deploy.test.ts pushes changes (a failing one too) to the
 * shared samples while other files run, so a test that needs a healthy app deploys this commit.
 */
export async function pristineCommit(url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-sample-'));
  try {
    await run('git', ['clone', '--quiet', url, dir]);
    return (await run('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: dir })).stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
