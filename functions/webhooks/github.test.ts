import { createHmac, randomUUID } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { githubDelivery, githubWebhookEvent, loadEvent, withRequest } from '../../events/load.ts';
import type { Project } from '../../shared/domain.ts';

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode: number; body?: string }>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const stack = inject('wharf');
let webhook: Handler;
let createProject: Handler;
let getMe: Handler;
// Executions are accepted and go nowhere: this file is about the webhook, not the deploy.
const sfn = mockClient(SFNClient);

beforeAll(async () => {
  Object.assign(process.env, stack.env);
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:::execution:test:${input.name}`,
  }));
  ({ handler: webhook } = (await import('./github.ts')) as unknown as { handler: Handler });
  ({ handler: createProject } = (await import('../http/projects/create.ts')) as unknown as {
    handler: Handler;
  });
  ({ handler: getMe } = (await import('../http/me/get.ts')) as unknown as { handler: Handler });
});

afterAll(() => sfn.restore());

const invoke = async (handler: Handler, event: APIGatewayProxyEventV2) => {
  const res = await handler(event, context);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
};

/** The push sample, to a branch of its own so no other test's project tracks it. */
const pushTo = (branch: string, secret = stack.webhookSecret, deliveryId = `delivery-${branch}`) =>
  githubWebhookEvent(
    githubDelivery('push', secret, (payload, headers) => {
      payload.ref = `refs/heads/${branch}`;
      headers['X-GitHub-Delivery'] = deliveryId;
    }),
  );

describe('GitHub webhook with the sample deliveries', () => {
  it('answers a ping', async () => {
    const ping = githubWebhookEvent(githubDelivery('ping', stack.webhookSecret));
    expect(await invoke(webhook, ping)).toEqual({ status: 200, body: { ok: true } });
  });

  it('refuses a delivery signed with another secret, in the error envelope', async () => {
    const forged = pushTo(`forged-${Date.now()}`, "It's a Secret to Everybody");
    expect(await invoke(webhook, forged)).toMatchObject({
      status: 401,
      body: { error: { code: 'webhook.bad_signature', requestId: forged.requestContext.requestId } },
    });
  });

  it('deploys the projects that track the pushed branch, once per delivery', async () => {
    const branch = `hooked-${Date.now()}`;
    const caller = `webhook-${Date.now()}`;
    const me = await invoke(getMe, withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }));
    const workspaceId = me.body.workspaces[0].id as string;
    const push = githubDelivery('push', stack.webhookSecret).payload as {
      after: string;
      repository: { clone_url: string };
    };
    const project = await invoke(
      createProject,
      withRequest(loadEvent('apigw-http', 'create-project'), {
        pathParameters: { workspaceId },
        sub: caller,
        body: {
          name: 'hooked',
          type: 'monolith',
          repository: { url: push.repository.clone_url, branch },
          port: 3000,
          autoDeploy: true,
        },
      }),
    );
    expect(project.status, JSON.stringify(project.body)).toBe(201);

    const delivery = pushTo(branch);
    const accepted = await invoke(webhook, delivery);
    // A project with only production (as created today) deploys it on push.
    expect(accepted).toEqual({
      status: 202,
      body: {
        deployments: [
          {
            workspaceId,
            projectId: project.body.id,
            environment: expect.any(String),
            runId: expect.any(String),
            kind: 'deploy',
          },
        ],
        skipped: [],
      },
    });
    const started = sfn.commandCalls(StartExecutionCommand).at(-1)?.args[0].input;
    expect(JSON.parse(started?.input ?? '{}')).toMatchObject({
      projectId: project.body.id,
      commit: push.after,
    });

    expect(await invoke(webhook, delivery)).toEqual({
      status: 200,
      body: { duplicate: delivery.headers['x-github-delivery'] },
    });
  });

  it('deploys the tag-triggered environment of a project tracking another branch of the tagged repository, building the tagged commit', async () => {
    const caller = `tagger-${Date.now()}`;
    const me = await invoke(getMe, withRequest(loadEvent('apigw-http', 'get-me'), { sub: caller }));
    const workspaceId = me.body.workspaces[0].id as string;
    // A repository of its own, so no other test's project is found by it.
    const url = `https://github.com/acme/tagged-${Date.now()}.git`;
    const project = await invoke(
      createProject,
      withRequest(loadEvent('apigw-http', 'create-project'), {
        pathParameters: { workspaceId },
        sub: caller,
        body: {
          name: 'tagged',
          type: 'monolith',
          repository: { url, branch: `develop-${Date.now()}` },
          port: 3000,
          autoDeploy: true,
        },
      }),
    );
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    const sample = githubDelivery('push-tag', stack.webhookSecret).payload as {
      after: string;
      head_commit: { id: string };
    };
    const tag = (ref: string, id: string) =>
      githubWebhookEvent(
        githubDelivery('push-tag', stack.webhookSecret, (payload, headers) => {
          payload.ref = ref;
          (payload.repository as { clone_url: string }).clone_url = url;
          headers['X-GitHub-Delivery'] = id;
        }),
      );
    // The staging → production pipeline, production released by tag, stored as the environments API
    // stores it (whatever new projects get by default).
    const { projects } = await import('../lib/wiring/table.ts');
    const stored = (await projects().get(workspaceId, project.body.id)) as Project;
    await projects().update({
      ...stored,
      environments: ['staging', 'production'],
      environmentSettings: { production: { trigger: 'tag' } },
      revision: stored.revision + 1,
    });
    const accepted = await invoke(webhook, tag('refs/tags/v1.0.0', `tag-b-${Date.now()}`));
    // Nothing in staging was built from the tagged commit: production builds it.
    expect(accepted).toEqual({
      status: 202,
      body: {
        deployments: [
          {
            workspaceId,
            projectId: project.body.id,
            environment: 'production',
            runId: expect.any(String),
            kind: 'deploy',
          },
        ],
        skipped: [],
      },
    });
    expect(await invoke(webhook, tag('refs/tags/nightly', `tag-c-${Date.now()}`))).toEqual({
      status: 202,
      body: { deployments: [], skipped: [] },
    });
    const started = sfn.commandCalls(StartExecutionCommand).at(-1)?.args[0].input;
    // The commit the annotated tag points to, not the tag object.
    expect(JSON.parse(started?.input ?? '{}')).toMatchObject({ commit: sample.head_commit.id });
    expect(sample.after).not.toBe(sample.head_commit.id);
  });

  it('ignores pushes of other refs and other events', async () => {
    const note = githubWebhookEvent(
      githubDelivery('push', stack.webhookSecret, (payload, headers) => {
        payload.ref = 'refs/notes/commits';
        headers['X-GitHub-Delivery'] = `note-${Date.now()}`;
      }),
    );
    expect(await invoke(webhook, note)).toEqual({
      status: 202,
      body: { ignored: 'push of refs/notes/commits' },
    });
    const issues = githubWebhookEvent(
      githubDelivery('ping', stack.webhookSecret, (_, headers) => {
        headers['X-GitHub-Event'] = 'issues';
      }),
    );
    expect(await invoke(webhook, issues)).toEqual({ status: 202, body: { ignored: 'issues' } });
  });
});

/** The event API Gateway sends for a GitHub delivery: a body that is not UTF-8 arrives base64-encoded. */
function rawDelivery(body: Buffer, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const event = loadEvent('apigw-http', 'health');
  event.routeKey = 'POST /api/webhooks/github';
  event.rawPath = '/api/webhooks/github';
  event.requestContext.http.method = 'POST';
  event.requestContext.http.path = event.rawPath;
  event.headers = { ...event.headers, 'content-type': 'application/json', ...headers };
  const text = body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(body);
  event.body = isText ? text : body.toString('base64');
  event.isBase64Encoded = !isText;
  return event;
}
const signature = (body: Buffer, key = stack.webhookSecret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

describe('GitHub webhook: what a delivery carries', () => {
  it('checks the signature over the bytes received, not over their UTF-8 decoding', async () => {
    const latin1 = Buffer.from('{"zen":"Caf\xe9 au lait","hook_id":1}', 'latin1');
    const headers = { 'x-github-event': 'ping', 'x-github-delivery': randomUUID() };
    const signed = await invoke(
      webhook,
      rawDelivery(latin1, { ...headers, 'x-hub-signature-256': signature(latin1) }),
    );
    // Signed, so not refused as unsigned; but GitHub sends UTF-8 JSON, so the body itself is refused.
    expect(signed).toMatchObject({ status: 400, body: { error: { code: 'request.invalid_json' } } });
    const forged = await invoke(
      webhook,
      rawDelivery(latin1, { ...headers, 'x-hub-signature-256': signature(latin1, 'guessed') }),
    );
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'webhook.bad_signature' } } });
    const utf8 = Buffer.from('{"zen":"Café au lait","hook_id":1}', 'utf8');
    const ok = await invoke(
      webhook,
      rawDelivery(utf8, { ...headers, 'x-hub-signature-256': signature(utf8) }),
    );
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('answers 400, not 500, for a delivery id no GitHub delivery has', async () => {
    const body = Buffer.from(
      JSON.stringify({
        ref: 'refs/heads/main',
        after: 'a'.repeat(40),
        repository: { clone_url: 'https://github.com/acme/nothing-tracks-this.git' },
      }),
    );
    for (const id of ['x'.repeat(3000), 'id with spaces', '']) {
      const res = await invoke(
        webhook,
        rawDelivery(body, {
          'x-github-event': 'push',
          'x-github-delivery': id,
          'x-hub-signature-256': signature(body),
        }),
      );
      expect(res, id.slice(0, 20)).toMatchObject({ status: 400, body: { error: { field: 'headers' } } });
    }
  });
});
