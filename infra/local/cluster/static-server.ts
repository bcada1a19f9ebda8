import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
  '.pdf': 'application/pdf',
};

export interface StaticServer {
  port: number;
  /** Stops accepting connections; open ones get `graceMs`, then are closed. */
  close(graceMs?: number): Promise<void>;
  /** Resolves when the server has closed, for whatever reason. */
  closed: Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves a built static site the way the generated nginx image does: files as they are, `index.html`
 * for a folder, 404 for anything else (no SPA fallback, so the readiness path behaves as in the
 * cluster). Nothing outside `root` is reachable, through `..` or through a symlink.
 */
export async function serveStatic(
  root: string,
  port: number,
  onLine: (line: string) => void = () => undefined,
): Promise<StaticServer> {
  const base = await realpath(root);

  const resolveFile = async (pathname: string): Promise<string | 'redirect' | undefined> => {
    const candidate = join(base, pathname);
    if (candidate !== base && !candidate.startsWith(base + sep)) return undefined;
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return undefined;
    }
    if (real !== base && !real.startsWith(base + sep)) return undefined;
    const stats = await stat(real);
    if (stats.isFile()) return real;
    if (!stats.isDirectory()) return undefined;
    if (!pathname.endsWith('/')) return 'redirect';
    return resolveFile(`${pathname}index.html`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      send(res, 400, 'Bad Request\n');
      return;
    }
    if (pathname.includes('\0')) {
      send(res, 400, 'Bad Request\n');
      return;
    }
    const file = await resolveFile(pathname);
    if (file === 'redirect') {
      // One leading slash only: `//host/` would send the browser to another site.
      send(res, 301, 'Moved Permanently\n', {
        location: `/${url.pathname.replace(/^\/+/, '')}/${url.search}`,
      });
      return;
    }
    if (!file) {
      send(res, 404, 'Not Found\n');
      return;
    }
    const stats = await stat(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': stats.size,
      'last-modified': stats.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.once('error', () => res.destroy());
    stream.pipe(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      // File system errors name the file: relative to the site, never the server's folders.
      const message = error.message.split(`${base}${sep}`).join('').split(base).join('.');
      onLine(`static server: ${req.method} ${req.url}: ${message}`);
      if (!res.headersSent) send(res, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  onLine(`static server: serving the built files on 127.0.0.1:${port}`);

  let closing: Promise<void> | undefined;
  return {
    port,
    closed,
    close(graceMs = 5_000) {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
