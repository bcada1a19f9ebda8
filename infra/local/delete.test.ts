import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Release, Run } from '../../shared/deploy.ts';
import { type ApiClient, pristineCommit, signIn, waitForRun } from './testing/api-client.ts';
import { getLive } from './testing/live-client.ts';

const stack = inject('wharf');
let alice: ApiClient;

beforeAll(async () => {
  alice = await signIn(stack, 'alice');
  await alice.get('/api/me');
});

/** The loopback port the app's process serves on, from its log (`… ready on 127.0.0.1:<port>`). */
async function servingPort(workspaceId: string): Promise<number> {
  const dir = join(stack.dataDir, 'apps');
  const file = (await readdir(dir)).find((name) => name.includes(workspaceId));
  const text = file ? await readFile(join(dir, file), 'utf8') : '';
  const port = [...text.matchAll(/ready on 127\.0\.0\.1:(\d+)/g)].at(-1)?.[1];
  if (!port) throw new Error(`no serving port in the log of ${workspaceId}:\n${text}`);
  return Number(port);
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('deleting a deployed project on the local platform', () => {
  it('stops its app and its host answers 404', { timeout: 120_000 }, async () => {
    const workspaceId = (await alice.post('/api/workspaces', { name: 'deletes-live' })).body.id as string;
    const samples = await alice.get('/api/samples');
    const sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
    const project = (
      await alice.post(`/api/workspaces/${workspaceId}/projects`, {
        name: 'goner',
        type: 'monolith',
        repository: { url: sampleUrl, branch: 'main' },
        port: 3000,
        healthCheckPath: '/healthz',
      })
    ).body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;
    const started = await alice.post<Run>(`${base}/deployments`, { commit: await pristineCommit(sampleUrl) });
    expect(started.status).toBe(202);
    const done = await waitForRun(alice, { workspaceId, projectId: project.id, id: started.body.id }, 90_000);
    expect(done.status, JSON.stringify(done)).toBe('deployed');
    const release = (await alice.get<{ items: Release[] }>(`${base}/releases`)).body.items[0] as Release;
    expect((await getLive(release.liveUrl as string)).status).toBe(200);
    const port = await servingPort(workspaceId);
    expect(await accepts(port)).toBe(true);

    expect((await alice.delete(`${base}?confirm=goner`)).status).toBe(204);

    expect(await eventually(async () => (await getLive(release.liveUrl as string)).status === 404)).toBe(
      true,
    );
    expect(await eventually(async () => !(await accepts(port)))).toBe(true);
  });
});
