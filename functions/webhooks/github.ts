import { verify } from '@octokit/webhooks-methods';
import { DomainError, invalid } from '../../shared/errors.ts';
import { makeHandleGithubEvent } from '../../shared/use-cases/webhooks.ts';
import { httpHandler, json } from '../lib/handler.ts';
import { journal } from '../lib/wiring/live.ts';
import { webhookSecret } from '../lib/wiring/secrets.ts';
import { clock, ids } from '../lib/wiring/system.ts';
import { projects, runs, webhookDeliveries } from '../lib/wiring/table.ts';
import { workflowEngine } from '../lib/wiring/workflow.ts';

const handleGithubEvent = makeHandleGithubEvent({
  projects: projects(),
  runs: runs(),
  deliveries: webhookDeliveries(),
  workflow: workflowEngine(),
  journal: journal(),
  ids: ids(),
  clock: clock(),
});
const secret = await webhookSecret()();

/** GitHub push webhook: HMAC-verified (X-Hub-Signature-256, constant time), then deduped by delivery id. */
export const handler = httpHandler({ public: true, rawBody: true }, async ({ event, rawBody }) => {
  const signature = event.headers['x-hub-signature-256'] ?? '';
  if (!signature || !(await verify(secret, rawBody, signature).catch(() => false))) {
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
    payload = JSON.parse(rawBody);
  } catch {
    throw invalid('request.invalid_json', 'body must be valid JSON', 'body');
  }
  const result = await handleGithubEvent({ event: name, deliveryId, payload });
  return json(result.status, result.body);
});
