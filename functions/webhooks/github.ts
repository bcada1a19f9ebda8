import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError, invalid } from '../../shared/errors.ts';
import { type GithubEventResult, makeHandleGithubEvent } from '../../shared/use-cases/webhooks.ts';
import { httpHandler, json } from '../lib/handler.ts';
import { journal } from '../lib/wiring/live.ts';
import { webhookSecret } from '../lib/wiring/secrets.ts';
import { clock, ids } from '../lib/wiring/system.ts';
import { deployTurns, projects, releases, runs, webhookDeliveries } from '../lib/wiring/table.ts';
import { workflowEngine } from '../lib/wiring/workflow.ts';

const handleGithubEvent = makeHandleGithubEvent({
  projects: projects(),
  runs: runs(),
  releases: releases(),
  turns: deployTurns(),
  deliveries: webhookDeliveries(),
  workflow: workflowEngine(),
  journal: journal(),
  ids: ids(),
  clock: clock(),
});
const secret = await webhookSecret()();

/** X-Hub-Signature-256 is an HMAC of the bytes GitHub sent: compared in constant time. */
function signatureMatches(body: Buffer, signature: string): boolean {
  const given = signature.match(/^sha256=([0-9a-f]{64})$/i)?.[1];
  if (!given) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}

/** GitHub push webhook (branches and tags): HMAC-verified (X-Hub-Signature-256, constant time), then deduped by delivery id. */
export const handler = httpHandler({ public: true, rawBody: true }, async ({ event }) => {
  // The exact bytes: API Gateway base64-encodes a body that is not UTF-8 text.
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (!signatureMatches(body, event.headers['x-hub-signature-256'] ?? '')) {
    throw new DomainError(
      'unauthenticated',
      'webhook.bad_signature',
      'X-Hub-Signature-256 does not match this body and the webhook secret.',
    );
  }
  const deliveryId = event.headers['x-github-delivery'];
  const name = event.headers['x-github-event'];
  if (!deliveryId || !name)
    throw invalid('webhook.missing_headers', 'X-GitHub-Event and X-GitHub-Delivery are required', 'headers');
  let payload: unknown;
  try {
    if (!isUtf8(body)) throw new Error('not UTF-8');
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('request.invalid_json', 'body must be UTF-8 JSON', 'body');
  }
  return answer(await handleGithubEvent({ event: name, deliveryId, payload }));
});

/** 200 for what needs no work (ping, a redelivery), 202 for what was taken on or deliberately ignored. */
function answer(result: GithubEventResult) {
  switch (result.outcome) {
    case 'pong':
      return json(200, { ok: true });
    case 'duplicate':
      return json(200, { duplicate: result.deliveryId });
    case 'ignored':
      return json(202, { ignored: result.reason });
    case 'deployed':
      return json(202, { deployments: result.deployments, skipped: result.skipped });
  }
}
