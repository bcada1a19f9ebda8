import { httpHandler } from '../../lib/handler.ts';
import { settings } from '../../lib/wiring/ports.ts';
import { docsPage } from '../../openapi/docs-page.ts';
import { openApiDocument } from '../../openapi/document.ts';

const page = docsPage(openApiDocument({ mode: settings().mode }));

export const handler = httpHandler({ public: true }, async () => ({
  statusCode: 200,
  text: page,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    // Nothing external: the page is inline CSS and HTML only.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  },
}));
