import { verify } from '@octokit/webhooks-methods';
import { DomainError, invalid } from '../../shared/errors.ts';
import { type GithubEventResult, makeHandleGithubEvent } from '../../shared/use-cases/webhooks.ts';
import { deployDeps } from '../lib/deploy-deps.ts';
import { httpHandler, json } from '../lib/handler.ts';
import { webhookSecret } from '../lib/platform-secret.ts';

const handleGithubEvent = makeHandleGithubEvent(deployDeps());
const secret = await webhookSecret();

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
      return json(202, { deployments: result.deployments });
  }
}
