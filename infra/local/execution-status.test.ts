import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, inject, it } from 'vitest';
import type { Run } from '../../shared/deploy.ts';
import { pristineCommit, signIn, waitForRun } from './testing/api-client.ts';

const stack = inject('wharf');

describe('the local execution-status rule', () => {
  it('ends the run of an execution stopped from outside (as from the console) cancelled, and frees the turn', async () => {
    const alice = await signIn(stack, 'alice');
    const workspaceId = (await alice.post('/api/workspaces', { name: 'aborts' })).body.id as string;
    const samples = await alice.get('/api/samples');
    const sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
    const project = (
      await alice.post(`/api/workspaces/${workspaceId}/projects`, {
        name: 'aborted',
        type: 'monolith',
        repository: { url: sampleUrl, branch: 'main' },
        port: 3000,
        healthCheckPath: '/healthz',
      })
    ).body;
    const base = `/api/workspaces/${workspaceId}/projects/${project.id}/deployments`;
    const run = (await alice.post<Run>(base, {})).body;
    const deadline = Date.now() + 30_000;
    while ((await alice.get<Run>(`${base}/${run.id}`)).body.status === 'queued' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }

    const sfn = new SFNClient({
      endpoint: stack.stepFunctionsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await sfn.send(
      new StopExecutionCommand({ executionArn: run.executionArn, cause: 'stopped by an operator' }),
    );
    sfn.destroy();

    const ended = await waitForRun(alice, { workspaceId, projectId: project.id, id: run.id }, 10_000);
    expect(ended).toMatchObject({ status: 'cancelled', failureReason: expect.stringContaining('stopped') });
    // The sample's first commit: other test files push to the shared sample, a failing change too.
    const next = (await alice.post<Run>(base, { commit: await pristineCommit(sampleUrl) })).body;
    expect((await waitForRun(alice, { workspaceId, projectId: project.id, id: next.id })).status).toBe(
      'deployed',
    );
  });
});
