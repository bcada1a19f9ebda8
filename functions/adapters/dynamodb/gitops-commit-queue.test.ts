import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../../testing/fakes/github.ts';
import { createGitHubGitOpsRepository } from '../github/github-gitops-repository.ts';
import { makeDocumentClient, type TableRef } from './client.ts';
import { GitOpsCommitQueue } from './gitops-commit-queue.ts';
import { keys } from './keys.ts';

/**
 * The commit queue on DynamoDB Local in front of the GitHub adapter (against the fake GitHub): many
 * "functions" — each its own queue and GitHub client, as separate Lambda invocations are — commit at
 * once, and the changes land in a few commits.
 */
const TOKEN = 'queue-test-token';
let fake: FakeGitHub;
let table: TableRef;
let repository = 0;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  table = {
    doc: makeDocumentClient({ endpoint: inject('wharf').dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
  fake = await startFakeGitHub({ owner: 'acme', repo: 'gitops', token: TOKEN });
});
afterAll(() => fake.close());

/** One Lambda function's view: its own GitHub client (no in-process coalescing) and queue. */
function lambda(name: string, options: { maxBatch?: number; leaseMs?: number } = {}) {
  const inner = createGitHubGitOpsRepository({
    owner: 'acme',
    repo: 'gitops',
    branch: 'main',
    auth: { kind: 'token', token: TOKEN },
    baseUrl: fake.url,
    writeBudget: { minIntervalMs: 0 },
    maxChangesPerCommit: 1,
    retryDelayMs: 5,
    conflictBackoffMs: { base: 1, max: 10 },
  });
  return new GitOpsCommitQueue({ table, repository: name, inner, pollMs: 20, ...options });
}

const change = (app: string, content = `release of ${app}\n`) => ({
  message: `Deploy ${app}`,
  author: { name: 'Alice', email: 'alice@example.com' },
  files: [{ path: `apps/w0q/u/${app}/production/release.json`, content }],
});

async function queueItems(name: string) {
  const prefix = keys.gitopsChange(name, '');
  const out = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': prefix.pk },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

describe('GitOps commit queue', () => {
  it('writes a burst from many functions as a few commits; each caller gets the commit with its change', async () => {
    const name = `acme/gitops@main#${++repository}`;
    const before = fake.commits().length;
    const apps = Array.from({ length: 12 }, (_, i) => `app-${i}`);
    const results = await Promise.all(apps.map((app, i) => lambda(name).commit(change(app, `v${i}\n`))));
    const made = fake.commits().length - before;
    expect(made).toBeGreaterThanOrEqual(1);
    expect(made).toBeLessThan(apps.length);
    results.forEach((result, i) => {
      expect(result.changed).toBe(true);
      expect(fake.readFile(result.commit, `apps/w0q/u/app-${i}/production/release.json`)).toBe(`v${i}\n`);
    });
    expect(await queueItems(name)).toEqual([]);
  });

  it('fails only the change GitHub refuses; the others land', async () => {
    const name = `acme/gitops@main#${++repository}`;
    const bad = { ...change('bad'), files: [{ path: '../escape/release.json', content: 'x' }] };
    const [good, refused, other] = await Promise.allSettled([
      lambda(name).commit(change('good')),
      lambda(name).commit(bad),
      lambda(name).commit(change('other')),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(other.status).toBe('fulfilled');
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason.message).toMatch(
      /not a path inside the GitOps repository/,
    );
    expect(await queueItems(name)).toEqual([]);
  });

  it('takes over from a committer that died holding the lease once the lease runs out', async () => {
    const name = `acme/gitops@main#${++repository}`;
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.gitopsLease(name), holder: 'dead', leaseUntil: Date.now() + 300 },
      }),
    );
    const started = Date.now();
    const result = await lambda(name).commit(change('after-crash'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(fake.readFile(result.commit, 'apps/w0q/u/after-crash/production/release.json')).toBeDefined();
  });

  it('writes nothing twice: an unchanged change is answered with the head, unchanged', async () => {
    const name = `acme/gitops@main#${++repository}`;
    const first = await lambda(name).commit(change('same'));
    const again = await lambda(name).commit(change('same'));
    expect(again).toEqual({ commit: first.commit, changed: false });
  });
});
