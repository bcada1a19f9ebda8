import { httpHandler, json } from '../../lib/handler.ts';

export const handler = httpHandler({ public: true }, async () => json(200, { status: 'ok' }));
