import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Run } from '../../../shared/deploy.ts';
import { randomIds } from '../system/ids.ts';
import { makeDocumentClient } from './client.ts';
import { DynamoRuns } from './runs.ts';

let runs: DynamoRuns;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  runs = new DynamoRuns({
    doc: makeDocumentClient({ endpoint: inject('wharf').dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  });
});

const now = new Date().toISOString();
const run = (projectId: string): Run => ({
  id: `r${randomIds.token()}`,
  workspaceId: 'w-runs',
  projectId,
  projectName: 'storefront',
  environment: 'staging',
  kind: 'deploy',
  status: 'queued',
  trigger: 'user',
  requestedBy: 'alice',
  steps: [{ name: 'queue', status: 'running', startedAt: now }],
  createdAt: now,
  updatedAt: now,
});

const moved = (r: Run, status: Run['status']): Run => ({
  ...r,
  status,
  updatedAt: new Date(Date.parse(r.updatedAt) + 1).toISOString(),
});

describe('DynamoRuns: the unfinished runs (the start-up sweep finds them without a Scan)', () => {
  it('lists a run from its creation until its status becomes terminal', async () => {
    const project = `p-${randomIds.token()}`;
    const a = run(project);
    const b = run(project);
    await runs.create(a);
    await runs.create(b);
    const ids = async () =>
      (await runs.unfinished()).filter((k) => k.projectId === project).map((k) => k.runId);
    expect((await ids()).sort()).toEqual([a.id, b.id].sort());

    const building = moved(a, 'building');
    expect(await runs.replace(building, a)).toBe(true);
    expect((await ids()).sort()).toEqual([a.id, b.id].sort());

    expect(await runs.replace(moved(building, 'failed'), building)).toBe(true);
    expect(await ids()).toEqual([b.id]);

    // A lost race writes nothing: the run stays listed.
    expect(await runs.replace(moved(b, 'superseded'), { ...b, updatedAt: 'stale' })).toBe(false);
    expect(await ids()).toEqual([b.id]);
    expect(await runs.replace(moved(b, 'superseded'), b)).toBe(true);
    expect(await ids()).toEqual([]);
  });
});

describe('DynamoRuns: a failed run keeps what to do and which field to fix', () => {
  it('stores and reads back the hint and its field', async () => {
    const r = run(`p-${randomIds.token()}`);
    await runs.create(r);
    const failed: Run = {
      ...moved(r, 'failed'),
      failureReason: "git could not clone https://x/y.git: fatal: repository 'https://x/y.git/' not found",
      hint: 'Check the repository URL and that Wharf can reach it, then deploy again.',
      hintField: 'repository.url',
    };
    expect(await runs.replace(failed, r)).toBe(true);
    expect(await runs.get(r.projectId, r.id)).toMatchObject({ hintField: 'repository.url' });
  });
});
