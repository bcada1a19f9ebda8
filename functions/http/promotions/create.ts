import { promotionRequestSchema } from '../../../shared/schemas/deployment.ts';
import { makeRequestPromotion } from '../../../shared/use-cases/promotions.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { logger } from '../../lib/logger.ts';
import { promotionPorts } from '../../lib/wiring/promotion-ports.ts';

const requestPromotion = makeRequestPromotion(promotionPorts());

export const handler = httpHandler({ body: promotionRequestSchema }, async ({ identity, path, body }) => {
  const run = await requestPromotion(
    identity,
    path.workspaceId as string,
    path.projectId as string,
    path.environment as string,
    body,
  );
  logger.appendKeys({ runId: run.id });
  return json(202, run);
});
