import { beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiClient, signIn, waitForRun } from './testing/api-client.ts';

const stack = inject('wharf');
let alice: ApiClient;
let bob: ApiClient;

beforeAll(async () => {
  [alice, bob] = await Promise.all([signIn(stack, 'alice'), signIn(stack, 'bob')]);
  await Promise.all([alice.get('/api/me'), bob.get('/api/me')]);
});

interface LiveMessage {
  type: string;
  runId?: string;
  status?: string;
  workspaceId?: string;
}

/** A WebSocket client that keeps every message it receives, with when it came. */
async function liveClient(token: string) {
  const socket = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const messages: LiveMessage[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const until = async (what: string, found: () => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`no ${what}: ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    messages,
    send: (message: unknown) => socket.send(JSON.stringify(message)),
    until,
    close: () => socket.close(),
  };
}

describe('live events follow workspace membership', () => {
  it('stops pushing a workspace and its runs to a member as soon as they are removed', async () => {
    const workspaceId = (await alice.post('/api/workspaces', { name: 'membership' })).body.id as string;
    expect((await alice.post(`/api/workspaces/${workspaceId}/members`, { userId: 'bob' })).status).toBe(201);
    const samples = await alice.get('/api/samples');
    const sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
    const project = (
      await alice.post(`/api/workspaces/${workspaceId}/projects`, {
        name: 'watched',
        type: 'monolith',
        repository: { url: sampleUrl, branch: 'main' },
        port: 3000,
      })
    ).body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;

    const live = await liveClient(bob.token as string);
    live.send({ action: 'watch', workspaceId });
    await live.until('watching', () => live.messages.some((m) => m.type === 'watching'));

    // Bob sees the run start (workspace watch), then subscribes to it and sees it live.
    const first = (await alice.post(`${base}/deployments`, {})).body;
    await live.until('run event', () => live.messages.some((m) => m.type === 'run' && m.runId === first.id));
    live.send({ action: 'subscribe', runId: first.id, after: 0 });
    await live.until('run status', () =>
      live.messages.some((m) => m.type === 'status' && m.runId === first.id),
    );

    expect((await alice.delete(`/api/workspaces/${workspaceId}/members/bob`)).status).toBe(204);
    const removedAt = live.messages.length;

    const ended = await waitForRun(alice, { workspaceId, projectId: project.id, id: first.id });
    const second = (await alice.post(`${base}/deployments`, {})).body;
    await waitForRun(alice, { workspaceId, projectId: project.id, id: second.id });
    await new Promise((r) => setTimeout(r, 300));
    live.close();

    const after = live.messages.slice(removedAt);
    // Nothing of the second run, and not the end of the first one (it ended after the removal).
    expect(after.filter((m) => m.runId === second.id)).toEqual([]);
    expect(after.filter((m) => m.runId === first.id && m.status === ended.status)).toEqual([]);
  }, 120_000);
});
