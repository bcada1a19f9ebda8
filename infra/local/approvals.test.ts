import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoProjects } from '../../functions/adapters/dynamodb/projects.ts';
import type { ApprovalList } from '../../shared/api.ts';
import type { Run } from '../../shared/deploy.ts';
import type { Project } from '../../shared/domain.ts';
import { type ApiClient, pristineCommit, signIn, waitForRun } from './testing/api-client.ts';
import { APPROVAL_TIMEOUT_SECONDS } from './testing/global-setup.ts';

/**
 * Approvals end to end on the local stack: the same state machine waits in AwaitApproval for a task
 * token that the approve/reject routes answer through the local Step Functions endpoint.
 */

const stack = inject('wharf');
let alice: ApiClient;
let bob: ApiClient;
let workspaceId: string;
let sampleUrl: string;
let projects: DynamoProjects;

/** Turns on approval for production, in the store (the environments API is built apart). */
async function requireApproval(project: Project) {
  const stored = (await projects.get(project.workspaceId, project.id)) as Project;
  await projects.update({
    ...stored,
    environmentSettings: {
      ...stored.environmentSettings,
      production: { ...stored.environmentSettings?.production, requiresApproval: true },
    },
    revision: stored.revision + 1,
  });
}

/** Polls the run until `until` holds. */
async function runUntil(base: string, runId: string, until: (run: Run) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await alice.get<Run>(`${base}/deployments/${runId}`)).body;
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function newProject(name: string) {
  const project = (
    await alice.post<Project>(`/api/workspaces/${workspaceId}/projects`, {
      name,
      type: 'monolith',
      repository: { url: sampleUrl, branch: 'main' },
      port: 3000,
      healthCheckPath: '/healthz',
    })
  ).body;
  await requireApproval(project);
  return { project, base: `/api/workspaces/${workspaceId}/projects/${project.id}` };
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  projects = new DynamoProjects({
    doc: makeDocumentClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  });
  [alice, bob] = await Promise.all([signIn(stack, 'alice'), signIn(stack, 'bob')]);
  await bob.get('/api/me');
  workspaceId = (await alice.post('/api/workspaces', { name: 'reviews' })).body.id;
  expect(
    (await alice.post(`/api/workspaces/${workspaceId}/members`, { userId: 'bob', role: 'owner' })).status,
  ).toBe(201);
  const samples = await alice.get('/api/samples');
  sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url;
});

describe('approvals on the local platform', () => {
  it('waits for another owner: listed, not self-approvable, then approved and deployed', async () => {
    const { base } = await newProject('reviewed');
    const started = (
      await alice.post<Run>(`${base}/deployments`, { commit: await pristineCommit(sampleUrl) })
    ).body;
    const waiting = await runUntil(base, started.id, (r) => r.status === 'awaiting_approval');
    expect(waiting.approval).toMatchObject({ state: 'waiting' });
    expect(waiting.steps.at(-1)).toMatchObject({ name: 'approval', status: 'running' });

    const list = (await bob.get<ApprovalList>(`/api/workspaces/${workspaceId}/approvals`)).body;
    expect(list.items).toEqual([
      expect.objectContaining({
        runId: started.id,
        requestedBy: 'alice',
        canDecide: true,
        environment: 'production',
      }),
    ]);
    expect(JSON.stringify(list)).not.toMatch(/token/i);
    const forAlice = (await alice.get<ApprovalList>(`/api/workspaces/${workspaceId}/approvals`)).body;
    expect(forAlice.items.find((i) => i.runId === started.id)?.canDecide).toBe(false);

    const self = await alice.post(`${base}/deployments/${started.id}/approve`, {});
    expect(self.status).toBe(403);
    expect(self.body.error).toMatchObject({
      code: 'approval.self_approval',
      message: expect.stringContaining('bob'),
    });

    const approved = await bob.post<Run>(`${base}/deployments/${started.id}/approve`, { reason: 'ship it' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'queued',
      approval: { state: 'approved', decidedBy: 'bob' },
    });
    expect((await bob.post(`${base}/deployments/${started.id}/approve`, {})).body.error.code).toBe(
      'approval.not_waiting',
    );
    const ended = await waitForRun(
      alice,
      { workspaceId, projectId: started.projectId, id: started.id },
      90_000,
    );
    expect(ended.status).toBe('deployed');
    expect((await bob.get<ApprovalList>(`/api/workspaces/${workspaceId}/approvals`)).body.items).toEqual([]);
  }, 120_000);

  it('a rejected run ends cancelled with who rejected it and why', async () => {
    const { base } = await newProject('rejected');
    const started = (await alice.post<Run>(`${base}/deployments`, {})).body;
    await runUntil(base, started.id, (r) => r.status === 'awaiting_approval');
    expect((await bob.post(`${base}/deployments/${started.id}/reject`, {})).status).toBe(400);
    const rejected = await bob.post<Run>(`${base}/deployments/${started.id}/reject`, {
      reason: 'not on a Friday',
    });
    expect(rejected.status).toBe(200);
    const ended = await waitForRun(alice, { workspaceId, projectId: started.projectId, id: started.id });
    expect(ended).toMatchObject({
      status: 'cancelled',
      failureReason: 'Rejected by bob: not on a Friday',
      approval: { state: 'rejected', decidedBy: 'bob', reason: 'not on a Friday' },
    });
    expect(ended.steps.some((s) => s.name === 'build')).toBe(false);
  });

  it('an approval nobody gives in time ends the run cancelled, "not approved within …"', async () => {
    const { base } = await newProject('expired');
    const started = (await alice.post<Run>(`${base}/deployments`, {})).body;
    await runUntil(base, started.id, (r) => r.status === 'awaiting_approval');
    const ended = await waitForRun(
      alice,
      { workspaceId, projectId: started.projectId, id: started.id },
      (APPROVAL_TIMEOUT_SECONDS + 15) * 1000,
    );
    expect(ended).toMatchObject({
      status: 'cancelled',
      failureReason: `Not approved within ${APPROVAL_TIMEOUT_SECONDS} s.`,
      approval: { state: 'expired' },
    });
    expect((await bob.get<ApprovalList>(`/api/workspaces/${workspaceId}/approvals`)).body.items).toEqual([]);
    // Too late: the wait is over.
    expect((await bob.post(`${base}/deployments/${started.id}/approve`, {})).body.error.code).toBe(
      'approval.not_waiting',
    );
  }, 60_000);
});
