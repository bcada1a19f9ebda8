// Items kept in Postgres: POST /items writes a row, GET /items lists them, GET / shows both.
import { createServer } from 'node:http';
import { literal, PgClient } from './pg.js';

const port = Number(process.env.PORT || 3000);
const databaseUrl = process.env.DATABASE_URL;

const escapeHtml = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const NO_DATABASE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>postgres-items: no database</title></head>
<body>
<h1>No database attached</h1>
<p>This app reads <code>DATABASE_URL</code> (<code>postgresql://user:password@host:5432/database</code>), and it is not set.</p>
<p>In Wharf: create a <strong>database</strong> project (engine postgres) and deploy it, then attach it to this project
(<code>PATCH …/projects/{id}</code> with <code>{"databases": [{"projectId": "&lt;database project id&gt;", "env": "DATABASE_URL"}]}</code>)
and deploy this project again.</p>
</body></html>
`;

// One connection, opened on first use and again after it is lost (the database restarted, say).
let connection;
function db() {
  connection ??= PgClient.connect(databaseUrl).then(
    async (client) => {
      client.closed.then(() => {
        connection = undefined;
      });
      await client.query(
        'CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, text text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
      );
      return client;
    },
    (error) => {
      connection = undefined;
      throw error;
    },
  );
  return connection;
}

const itemOf = (row) => ({
  id: Number(row.id),
  text: row.text,
  createdAt: new Date(row.created_at).toISOString(),
});

async function listItems() {
  const { rows } = await (await db()).query(
    'SELECT id, text, created_at FROM items ORDER BY id DESC LIMIT 100',
  );
  return rows.map(itemOf);
}

async function addItem(text) {
  const { rows } = await (await db()).query(
    `INSERT INTO items (text) VALUES (${literal(text)}) RETURNING id, text, created_at`,
  );
  return itemOf(rows[0]);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** The item's text from a JSON body `{"text": …}` or the page's form; an error message when unusable. */
function textOf(req, body) {
  let text;
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    text = new URLSearchParams(body).get('text');
  } else {
    try {
      text = JSON.parse(body).text;
    } catch {
      return { error: 'send JSON like {"text": "buy milk"}' };
    }
  }
  if (typeof text !== 'string' || text.trim() === '') return { error: 'text must be a non-empty string' };
  if (text.length > 500) return { error: 'text must be at most 500 characters' };
  return { text: text.trim() };
}

const page = (items) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>postgres-items</title></head>
<body>
<h1>Items in Postgres</h1>
<form method="post" action="/items"><input name="text" maxlength="500" required> <button>Add</button></form>
<ul>${items.map((i) => `<li>${escapeHtml(i.text)} <small>#${i.id}, ${i.createdAt}</small></li>`).join('')}</ul>
</body></html>
`;

const json = (res, status, body) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);

async function route(req, res) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') {
    if (!databaseUrl) return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok (no DATABASE_URL)');
    await (await db()).query('SELECT 1');
    return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }
  if (!databaseUrl)
    return res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' }).end(NO_DATABASE);
  if (path === '/items' && req.method === 'POST') {
    const { text, error } = textOf(req, await readBody(req));
    if (error) return json(res, 400, { error });
    const item = await addItem(text);
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return res.writeHead(303, { location: '/' }).end();
    }
    return json(res, 201, item);
  }
  if (path === '/items' && req.method === 'GET') return json(res, 200, { items: await listItems() });
  if (path === '/' && req.method === 'GET') {
    return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(await listItems()));
  }
  return json(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  route(req, res).catch((error) => {
    // The database's own message (wrong password, unknown host…) is what the developer needs here.
    console.error(`request ${req.method} ${req.url} failed: ${error.message}`);
    if (!res.headersSent) json(res, 503, { error: `database: ${error.message}` });
    else res.end();
  });
});

server.listen(port, () =>
  console.log(`postgres-items listening on port ${port}${databaseUrl ? '' : ' (DATABASE_URL is not set)'}`),
);

const stop = () => {
  server.close(async () => {
    const client = await connection?.catch(() => undefined);
    await client?.end();
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
