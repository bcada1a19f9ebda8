import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../functions/lib/net.ts';
import { type StaticServer, serveStatic } from './static-server.ts';

function send(port: number, path: string, method = 'GET') {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('serveStatic', () => {
  let root: string;
  let site: string;
  let server: StaticServer;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wharf-static-'));
    site = join(root, 'site');
    await mkdir(join(site, 'docs'), { recursive: true });
    await writeFile(join(site, 'index.html'), '<h1>home</h1>');
    await writeFile(join(site, 'docs', 'index.html'), '<h1>docs</h1>');
    await writeFile(join(site, 'app.js'), 'console.log(1)');
    await writeFile(join(root, 'secret.txt'), 'outside');
    await symlink(join(root, 'secret.txt'), join(site, 'leak.txt'));
    server = await serveStatic(site, await freePort());
  });

  afterEach(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves files with their content type and index.html for folders', async () => {
    expect(await send(server.port, '/')).toMatchObject({ status: 200, body: '<h1>home</h1>' });
    expect(await send(server.port, '/app.js')).toMatchObject({
      status: 200,
      headers: { 'content-type': 'text/javascript; charset=utf-8' },
    });
    expect(await send(server.port, '/docs')).toMatchObject({ status: 301, headers: { location: '/docs/' } });
    expect(await send(server.port, '/docs/')).toMatchObject({ status: 200, body: '<h1>docs</h1>' });
    expect(await send(server.port, '/missing')).toMatchObject({ status: 404 });
    expect(await send(server.port, '/', 'POST')).toMatchObject({ status: 405 });
    expect(await send(server.port, '/', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('never serves anything outside its folder', async () => {
    expect(await send(server.port, '/../secret.txt')).toMatchObject({ status: 404 });
    expect(await send(server.port, '/%2e%2e/secret.txt')).toMatchObject({ status: 404 });
    expect(await send(server.port, '/leak.txt')).toMatchObject({ status: 404 });
    expect(await send(server.port, '/%E0%A4%A')).toMatchObject({ status: 400 });
  });
});
