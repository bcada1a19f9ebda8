import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Run } from '../../../shared/deploy.ts';
import { randomIds } from '../system/ids.ts';
import { makeDocumentClient } from './client.ts';
import { DynamoDeployTurns, DynamoReleases, DynamoRuns } from './runs.ts';

let runs: DynamoRuns;
let turns: DynamoDeployTurns;
let releases: DynamoReleases;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  const table = {
    doc: makeDocumentClient({ endpoint: inject('wharf').dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
  runs = new DynamoRuns(table);
  turns = new DynamoDeployTurns(table);
  releases = new DynamoReleases(table);
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

describe('DynamoRuns: the run history, paged and filtered in the query', () => {
  /** `count` runs of a fresh project, oldest first; every third into production, every fourth by webhook. */
  async function history(count: number) {
    const project = `p-${randomIds.token()}`;
    const made: Run[] = [];
    for (let i = 0; i < count; i++) {
      const r: Run = {
        ...run(project),
        id: `r${String(i).padStart(4, '0')}${randomIds.token()}`,
        environment: i % 3 === 0 ? 'production' : 'staging',
        trigger: i % 4 === 0 ? 'webhook' : 'user',
        status: i % 2 === 0 ? 'deployed' : 'failed',
      };
      await runs.create(r);
      made.push(r);
    }
    return { project, newestFirst: made.reverse() };
  }

  async function allPages(project: string, limit: number, filter = {}) {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await runs.list(project, { limit, cursor }, filter);
      pages.push(page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  it('pages through every run at every page size, with no empty last page when the count is a multiple of it', async () => {
    const { project, newestFirst } = await history(12);
    const ids = newestFirst.map((r) => r.id);
    for (const limit of [1, 4, 5, 6, 11, 12, 13]) {
      const pages = await allPages(project, limit);
      expect(pages.flat()).toEqual(ids);
      expect(pages.length).toBe(Math.ceil(12 / limit));
      expect(pages.every((p) => p.length > 0)).toBe(true);
    }
  });

  it('filters by status, environment and trigger on the server, paging through the matches', async () => {
    const { project, newestFirst } = await history(12);
    const match = (f: Partial<Run>) =>
      newestFirst
        .filter((r) => Object.entries(f).every(([k, v]) => r[k as keyof Run] === v))
        .map((r) => r.id);
    const production = await allPages(project, 2, { environment: 'production' });
    expect(production.flat()).toEqual(match({ environment: 'production' }));
    expect(production).toHaveLength(2);
    expect((await allPages(project, 3, { status: 'failed' })).flat()).toEqual(match({ status: 'failed' }));
    const hooks = await allPages(project, 3, { trigger: 'webhook', status: 'deployed' });
    expect(hooks.flat()).toEqual(match({ trigger: 'webhook', status: 'deployed' }));
    expect(hooks).toHaveLength(1);
    expect(await runs.list(project, { limit: 5 }, { status: 'cancelled' })).toEqual({
      items: [],
      nextCursor: undefined,
    });
  });
});

describe('DynamoDeployTurns: release numbers are handed out once', () => {
  it('gives each run the next number, the same one again on a retry, and never a failed run’s number to the next', async () => {
    const project = `p-${randomIds.token()}`;
    expect(await turns.allocateReleaseNumber(project, 'staging', 'ra')).toBe(1);
    expect(await turns.allocateReleaseNumber(project, 'staging', 'ra')).toBe(1);
    // Run ra failed after its commit: its number stays used.
    expect(await turns.allocateReleaseNumber(project, 'staging', 'rb')).toBe(2);
    expect(await turns.allocateReleaseNumber(project, 'production', 'rc')).toBe(1);
    const release = {
      id: 'lrb',
      number: 2,
      workspaceId: 'w-runs',
      projectId: project,
      environment: 'staging' as const,
      runId: 'rb',
      kind: 'deploy' as const,
      image: { reference: 'registry.test/app:1', digest: `sha256:${'a'.repeat(64)}` },
      values: '',
      envNames: [],
      gitopsCommit: 'c'.repeat(40),
      gitopsPath: 'apps/x',
      appName: 'x',
      createdBy: 'alice',
      createdAt: now,
    };
    await releases.recordRelease(release);
    expect(await turns.getEnvironment(project, 'staging')).toMatchObject({
      releaseCount: 2,
      currentReleaseId: 'lrb',
    });
    expect(await turns.allocateReleaseNumber(project, 'staging', 'rd')).toBe(3);
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
