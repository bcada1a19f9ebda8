// The app itself: one page and a readiness check, on PORT (default 3000).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.env.PORT || 3000);
const readDist = (file, fallback) => {
  try {
    return readFileSync(new URL(`./dist/${file}`, import.meta.url), 'utf8').trim();
  } catch {
    return fallback;
  }
};
const version = readDist('version.txt', 'unbuilt (run npm run build)');
const style = readDist('style.css', '');
const escapeHtml = (text) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const page = () => {
  const greeting = process.env.GREETING ? `<p class="greeting">${escapeHtml(process.env.GREETING)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>node-web</title><style>${style}</style></head>
<body>
<h1>Hello from Wharf node-web</h1>
${greeting}
<p>Version ${escapeHtml(version)}</p>
</body>
</html>
`;
};

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  } else if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page());
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
});

server.listen(port, () => console.log(`node-web ${version} listening on port ${port}`));

const stop = () => {
  console.log('Stopping: finishing open requests');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
