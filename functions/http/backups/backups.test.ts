import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEvent, withRequest } from '../../../events/load.ts';

type Handler = (
  e: APIGatewayProxyEventV2WithJWTAuthorizer,
  c: Context,
) => Promise<{ statusCode: number; body?: string; headers?: Record<string, string> }>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;

/** The backup handlers, invoked with the sample events against the shared local platform (folder store). */
let list: Handler;
let create: Handler;
let dataDir: string;
const invoke = async (handler: Handler, event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const res = await handler(event, context);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
};

beforeAll(async () => {
  const stack = inject('wharf');
  Object.assign(process.env, stack.env);
  dataDir = stack.dataDir;
  list = (await import('./list.ts')).handler as unknown as Handler;
  create = (await import('./create.ts')).handler as unknown as Handler;
});

let made: Promise<{ caller: string; workspaceId: string; database: string; monolith: string }> | undefined;
/** One caller with a database and a monolith (the monolith sample claims a domain: made once). */
const setup = () => {
  made ??= makeProjects();
  return made;
};

async function makeProjects() {
  const caller = `backups-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const me = await import('../me/get.ts');
  const createProject = await import('../projects/create.ts');
  const got = await (me.handler as unknown as Handler)(
    withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }),
    context,
  );
  const workspaceId = JSON.parse(got.body ?? '{}').workspaces[0].id as string;
  const made = async (event: string) => {
    const sample = loadEvent('apigw-http', event);
    // Without the sample's custom domain: hosts are unique across the shared stack's test files.
    const { domain: _domain, ...body } = JSON.parse(sample.body ?? '{}') as Record<string, unknown>;
    const res = await (createProject.handler as unknown as Handler)(
      withRequest(sample, {
        pathParameters: { workspaceId },
        sub: caller,
        body: { ...body, name: `${body.name}-backups` },
      }),
      context,
    );
    expect(res.statusCode, res.body).toBe(201);
    return JSON.parse(res.body ?? '{}').id as string;
  };
  return {
    caller,
    workspaceId,
    database: await made('create-project-database'),
    monolith: await made('create-project'),
  };
}

describe('backup routes', () => {
  it('lists a database’s production dumps from the backup folder, newest first, without server paths', async () => {
    const { caller, workspaceId, database } = await setup();
    const dir = join(dataDir, 'backups', workspaceId, database, 'production');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '20261203T030000Z.sql.gz'), 'older');
    await writeFile(join(dir, '20261204T030000Z.sql.gz'), 'newest dump');
    const res = await invoke(
      list,
      withRequest(loadEvent('apigw-http', 'list-backups'), {
        pathParameters: { workspaceId, projectId: database },
        sub: caller,
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        id: '20261204T030000Z.sql.gz',
        environment: 'production',
        createdAt: '2026-12-04T03:00:00.000Z',
        sizeBytes: 11,
        location: `.wharf/backups/${workspaceId}/${database}/production/20261204T030000Z.sql.gz`,
      },
      expect.objectContaining({ id: '20261203T030000Z.sql.gz' }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(dataDir);
  });

  it('answers 404 to a non-member and for a project that is not a database', async () => {
    const { caller, workspaceId, database, monolith } = await setup();
    const at = (projectId: string, sub: string) =>
      withRequest(loadEvent('apigw-http', 'list-backups'), {
        pathParameters: { workspaceId, projectId },
        sub,
      });
    expect((await invoke(list, at(database, 'someone-else'))).status).toBe(404);
    const notDatabase = await invoke(list, at(monolith, caller));
    expect(notDatabase.status).toBe(404);
    expect(notDatabase.body.error.code).toBe('backup.not_a_database');
  });

  it('refuses to back up a database whose production never ran (409), and unknown fields (400)', async () => {
    const { caller, workspaceId, database } = await setup();
    const event = (body: unknown) =>
      withRequest(loadEvent('apigw-http', 'create-backup'), {
        pathParameters: { workspaceId, projectId: database },
        sub: caller,
        body,
      });
    const notDeployed = await invoke(create, event({}));
    expect(notDeployed.status).toBe(409);
    expect(notDeployed.body.error.code).toBe('backup.not_deployed');
    expect(notDeployed.body.error.message).toMatch(/deploy production first/);
    const unknown = await invoke(create, event({ environment: 'staging' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/environment/);
  });
});
