import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import type { Run } from '../../../shared/deploy.ts';
import { isDomainError } from '../../../shared/errors.ts';
import { randomIds } from '../system/ids.ts';
import { makeDocumentClient, type TableRef } from './client.ts';
import { itemKey, parseItem, StoredItemError } from './items.ts';
import { keys } from './keys.ts';
import { DynamoProjects } from './projects.ts';
import { DynamoDeployTurns, DynamoReleases, DynamoRuns } from './runs.ts';
import { DynamoWorkspaces } from './workspaces.ts';

let table: TableRef;
let runs: DynamoRuns;
let turns: DynamoDeployTurns;
let releases: DynamoReleases;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  table = {
    doc: makeDocumentClient({ endpoint: inject('wharf').dynamodbEndpoint, region: 'us-east-1' }),
    tableName: 'wharf',
  };
  runs = new DynamoRuns(table);
  turns = new DynamoDeployTurns(table);
  releases = new DynamoReleases(table);
});

const now = new Date().toISOString();
const run = (projectId: string, overrides: Partial<Run> = {}): Run => ({
  id: `run-${randomIds.token()}`,
  workspaceId: 'w-items',
  projectId,
  projectName: 'storefront',
  environment: 'production',
  kind: 'deploy',
  status: 'queued',
  trigger: 'user',
  requestedBy: 'alice',
  source: { repositoryUrl: 'https://github.com/acme/storefront.git', branch: 'main' },
  images: { web: { reference: 'registry/web:1', digest: 'sha256:abc' } },
  steps: [{ name: 'queue', status: 'succeeded', startedAt: now, endedAt: now }],
  createdAt: now,
  updatedAt: now,
  ...overrides,
});

describe('parseItem', () => {
  const schema = z.object({ name: z.string(), count: z.number().optional() });

  it('strips the table attributes and those the schema does not name', () => {
    const item = {
      pk: 'A#1',
      sk: 'B',
      gsi1pk: 'x',
      gsi1sk: 'y',
      entity: 'thing',
      expiresAt: 1,
      name: 'n',
      extra: 1,
    };
    expect(parseItem(schema, item)).toEqual({ name: 'n' });
  });

  it('reports an item that does not match as a StoredItemError naming the item and attribute, not its value', () => {
    const item = { pk: 'A#1', sk: 'B', entity: 'thing', name: 'n', count: 'secret-value' };
    let error: unknown;
    try {
      parseItem(schema, item);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoredItemError);
    expect(isDomainError(error)).toBe(false);
    expect((error as Error).name).toBe('StoredItemError');
    expect((error as Error).message).toMatch(
      /^Stored thing A#1 B does not have the shape it is stored in: count /,
    );
    expect((error as Error).message).not.toContain('secret-value');
  });

  it('reads the key of an item back, and refuses an item without one', () => {
    expect(itemKey({ pk: 'A', sk: 'B', other: 1 })).toEqual({ pk: 'A', sk: 'B' });
    expect(() => itemKey({ pk: 'A' })).toThrow(StoredItemError);
  });
});

describe('items on DynamoDB Local are parsed, not cast', () => {
  it('reads back a run exactly as written, through every read path', async () => {
    const projectId = `p-${randomIds.token()}`;
    const written = run(projectId);
    await runs.create(written);
    expect(await runs.get(projectId, written.id)).toEqual(written);
    expect(await runs.find(written.id)).toEqual(written);
    expect((await runs.list(projectId, { limit: 10 })).items).toEqual([written]);
  });

  it('reports a corrupted run as a StoredItemError on every read path instead of passing it on', async () => {
    const projectId = `p-${randomIds.token()}`;
    const corrupted = run(projectId);
    await runs.create(corrupted);
    // As a bad migration or a hand edit might leave it: a status no run has, the steps gone.
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: keys.run(projectId, corrupted.id).pk, sk: keys.run(projectId, corrupted.id).sk },
        UpdateExpression: 'SET #status = :status REMOVE steps',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': 'exploded' },
      }),
    );
    const message = `Stored run PROJECT#${projectId} RUN#${corrupted.id} does not have the shape it is stored in: status`;
    for (const read of [
      () => runs.get(projectId, corrupted.id),
      () => runs.find(corrupted.id),
      () => runs.list(projectId, { limit: 10 }),
    ]) {
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoredItemError);
      expect((error as Error).message).toContain(message);
    }
  });

  it('reports a corrupted project and membership instead of returning them', async () => {
    const workspaceId = `w-${randomIds.token()}`;
    const projectId = `p-${randomIds.token()}`;
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.project(workspaceId, projectId), entity: 'project', id: projectId, type: 'lambda' },
      }),
    );
    await expect(new DynamoProjects(table).get(workspaceId, projectId)).rejects.toThrow(
      /^Stored project WS#\S+ PROJECT#\S+ does not have the shape it is stored in: type /,
    );
    const { gsi1pk: _pk, gsi1sk: _sk, ...memberKey } = keys.member(workspaceId, 'mallory');
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...memberKey, entity: 'member', workspaceId, userId: 'mallory', role: 'admin', addedAt: now },
      }),
    );
    await expect(new DynamoWorkspaces(table).getMembership(workspaceId, 'mallory')).rejects.toBeInstanceOf(
      StoredItemError,
    );
  });

  it('reads an environment with no item yet as no turn and no release', async () => {
    expect(await turns.getEnvironment(`p-${randomIds.token()}`, 'staging')).toEqual({
      projectId: expect.any(String),
      environment: 'staging',
      releaseCount: 0,
    });
  });

  it('reads back an environment and a release as recorded; recording clears out-of-sync', async () => {
    const projectId = `p-${randomIds.token()}`;
    const turn = run(projectId);
    expect(await turns.takeTurn(projectId, 'production', turn.id, undefined)).toBe(true);
    const release = {
      id: `rel-${randomIds.token()}`,
      number: 1,
      workspaceId: 'w-items',
      projectId,
      environment: 'production' as const,
      runId: turn.id,
      kind: 'deploy' as const,
      image: { reference: 'registry/web:1', digest: 'sha256:abc' },
      values: 'image: registry/web:1\n',
      envNames: ['NODE_ENV'],
      gitopsCommit: 'abc1234',
      gitopsPath: 'apps/w/u/storefront/production',
      appName: 'storefront-production',
      createdBy: 'alice',
      createdAt: now,
    };
    const outOfSync = { cause: 'restoring release 0 failed', runId: turn.id, at: now };
    await turns.markOutOfSync(projectId, 'production', outOfSync);
    expect((await turns.getEnvironment(projectId, 'production')).outOfSync).toEqual(outOfSync);
    expect(await releases.recordRelease(release)).toEqual(release);
    expect(await releases.getRelease(projectId, release.id)).toEqual(release);
    expect((await releases.listReleases(projectId, 'production', { limit: 5 })).items).toEqual([release]);
    expect(await turns.getEnvironment(projectId, 'production')).toEqual({
      projectId,
      environment: 'production',
      activeRunId: turn.id,
      releaseCount: 1,
      currentReleaseId: release.id,
    });
  });
});
