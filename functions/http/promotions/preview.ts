import { promotionPreviewQuerySchema } from '../../../shared/schemas/deployment.ts';
import { makePreviewPromotion } from '../../../shared/use-cases/promotions.ts';
import { httpHandler, json } from '../../lib/handler.ts';
import { promotionPreviewPorts } from '../../lib/wiring/promotion-ports.ts';

const previewPromotion = makePreviewPromotion(promotionPreviewPorts());

export const handler = httpHandler(
  { query: promotionPreviewQuerySchema },
  async ({ identity, path, query }) =>
    json(
      200,
      await previewPromotion(
        identity,
        path.workspaceId as string,
        path.projectId as string,
        path.environment as string,
        query.releaseId,
      ),
    ),
);
