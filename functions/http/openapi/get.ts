import { httpHandler, json } from '../../lib/handler.ts';
import { settings } from '../../lib/wiring/ports.ts';
import { openApiDocument } from '../../openapi/document.ts';

// Built once per cold start: the routes and schemas are fixed for the deployed code.
const document = openApiDocument({ mode: settings().mode });

export const handler = httpHandler({ public: true }, async () => json(200, document));
