import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDocumentClient } from '../functions/adapters/dynamodb/client.ts';
import { DynamoProjects } from '../functions/adapters/dynamodb/projects.ts';
import { type ApiClient, pristineCommit, signIn, waitForRun } from '../infra/local/testing/api-client.ts';
import type { Run } from '../shared/deploy.ts';
import type { Project } from '../shared/domain.ts';
import { startStackThread } from './deploy.ts';
import { fixed, heading, median, table, verdict } from './report.ts';

/**
 * The approval wait's overhead: from the approve click (POST …/approve sent) until the run's next
 * step starts (StartRun took the turn and the build began), through the local Step Functions
 * endpoint's SendTaskSuccess and the task token's waiter. The stack runs in its own thread
 * (bench/stack-worker.ts) so its handlers' settings are their own.
 */
export const APPROVAL_TARGET_MS = 500;
const SAMPLES = 5;
const POLL_MS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the run');
    await sleep(POLL_MS);
  }
}

export async function benchApproval(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-bench-approval-'));
  const stack = await startStackThread(dataDir);
  try {
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const projects = new DynamoProjects({
      doc: makeDocumentClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1' }),
      tableName: 'wharf',
    });
    const alice: ApiClient = await signIn(stack, 'alice');
    const bob: ApiClient = await signIn(stack, 'bob');
    await bob.get('/api/me');
    const workspaceId = (await alice.post('/api/workspaces', { name: 'bench-approvals' })).body.id as string;
    await alice.post(`/api/workspaces/${workspaceId}/members`, { userId: 'bob', role: 'owner' });
    const samples = await alice.get('/api/samples');
    const sampleUrl = samples.body.items.find((s: { name: string }) => s.name === 'node-web').url as string;
    const commit = await pristineCommit(sampleUrl);

    const rows: string[][] = [];
    const answered: number[] = [];
    const resumed: number[] = [];
    // The first round warms the handlers up and is not counted.
    for (let i = 0; i <= SAMPLES; i++) {
      const project = (
        await alice.post<Project>(`/api/workspaces/${workspaceId}/projects`, {
          name: `approve-${i}`,
          type: 'monolith',
          repository: { url: sampleUrl, branch: 'main' },
          port: 3000,
          healthCheckPath: '/healthz',
        })
      ).body;
      const stored = (await projects.get(workspaceId, project.id)) as Project;
      await projects.update({
        ...stored,
        environmentSettings: { ...stored.environmentSettings, production: { requiresApproval: true } },
        revision: stored.revision + 1,
      });
      const base = `/api/workspaces/${workspaceId}/projects/${project.id}`;
      const run = (await alice.post<Run>(`${base}/deployments`, { commit })).body;
      const read = async () => (await alice.get<Run>(`${base}/deployments/${run.id}`)).body;
      await until(read, (r) => r.status === 'awaiting_approval');

      const clicked = Date.now();
      const answer = await bob.post<Run>(`${base}/deployments/${run.id}/approve`, {});
      const answeredAt = Date.now();
      if (answer.status !== 200) throw new Error(`approve answered ${answer.status}`);
      const moved = await until(read, (r) => r.steps.some((s) => s.name === 'build'));
      const buildStarted = Date.parse(moved.steps.find((s) => s.name === 'build')?.startedAt ?? '');
      await waitForRun(alice, { workspaceId, projectId: project.id, id: run.id }, 90_000);
      if (i === 0) continue;
      answered.push(answeredAt - clicked);
      resumed.push(buildStarted - clicked);
      rows.push([String(i), fixed(answeredAt - clicked, 0), fixed(buildStarted - clicked, 0)]);
    }
    const pass = median(resumed) < APPROVAL_TARGET_MS;
    return [
      heading('Approval wait overhead (local platform)'),
      table(['#', 'approve answered ms', 'next step started ms'], rows, new Set([1, 2])),
      `median: answered ${fixed(median(answered), 0)} ms, next step started ${fixed(median(resumed), 0)} ms ` +
        `(target < ${APPROVAL_TARGET_MS} ms)  ${verdict(pass)}`,
    ].join('\n');
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
