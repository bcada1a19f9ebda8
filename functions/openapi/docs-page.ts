type Json = Record<string, unknown>;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
const pretty = (value: unknown) => `<pre><code>${esc(JSON.stringify(value, null, 2))}</code></pre>`;
const anchor = (method: string, path: string) =>
  `${method}-${path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+$/, '');

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1b1f24}
h1{margin-bottom:.25rem}h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de}h3{margin:0;font-size:1rem}
code,pre{font:13px/1.45 ui-monospace,monospace}pre{background:#f6f8fa;padding:.75rem;overflow:auto;border-radius:6px}
.op{border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.patch{color:#9a6700}.put{color:#8250df}.delete{color:#cf222e}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
nav ul{padding-left:1.2rem}code{overflow-wrap:anywhere}.muted{color:#57606a}
`;

function parametersTable(parameters: Json[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td>` +
        `<td><code>${esc(JSON.stringify(p.schema))}</code></td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function requestBody(body: Json | undefined): string {
  if (!body) return '';
  const content = body.content as Record<string, { schema: unknown }>;
  const [type, media] = Object.entries(content)[0] ?? ['application/json', { schema: {} }];
  const note = body.required ? 'required' : 'optional';
  const description = body.description ? ` — ${esc(body.description)}` : '';
  return `<h4>Request body <span class="muted">(${esc(type)}, ${note})${description}</span></h4>${pretty(media.schema)}`;
}

function responses(responses: Json): string {
  const items = Object.entries(responses)
    .map(([status, response]) => {
      const r = response as Json;
      const text = r.$ref ? 'the error envelope (below)' : esc(r.description);
      return `<li><code>${esc(status)}</code> ${text}</li>`;
    })
    .join('');
  return `<h4>Responses</h4><ul>${items}</ul>`;
}

/**
 * The API reference as one HTML page, rendered on the server from the OpenAPI document: no script, no
 * stylesheet or font from a CDN, so it works offline and under a strict CSP.
 */
export function docsPage(document: Json): string {
  const info = document.info as Json;
  const paths = document.paths as Record<string, Record<string, Json>>;
  const components = document.components as Json;
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const toc = operations
    .map(
      ({ path, method, op }) =>
        `<li><a href="#${anchor(method, path)}"><span class="m ${method}">${method}</span> <code>${esc(path)}</code></a> <span class="muted">${esc(op.summary)}</span></li>`,
    )
    .join('');
  const sections = operations
    .map(({ path, method, op }) => {
      const auth = (op.security as unknown[]).length > 0 ? 'Bearer token' : 'none (public)';
      return (
        `<section class="op" id="${anchor(method, path)}"><h3><span class="m ${method}">${method}</span> <code>${esc(path)}</code></h3>` +
        `<p>${esc(op.summary)} <span class="muted">· auth: ${auth} · operationId <code>${esc(op.operationId)}</code></span></p>` +
        parametersTable(op.parameters as Json[]) +
        requestBody(op.requestBody as Json | undefined) +
        responses(op.responses as Json) +
        '</section>'
      );
    })
    .join('');
  const schemas = components.schemas as Json;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} reference</title><style>${STYLE}</style></head>
<body><header><h1>${esc(info.title)}</h1><p class="muted">OpenAPI ${esc(document.openapi)} · version ${esc(info.version)} · <a href="/api/openapi.json">openapi.json</a></p>
<p>${esc(info.description)}</p></header>
<nav aria-label="Operations"><h2>Operations (${operations.length})</h2><ul>${toc}</ul></nav>
<main><h2>Reference</h2>${sections}
<h2 id="errors">The error envelope</h2><p>${esc((components.responses as Record<string, Json>).Error?.description)}</p>${pretty(schemas.Error)}</main>
</body></html>
`;
}
