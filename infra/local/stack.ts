import { rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { httpRoutes } from '../../functions/routes.ts';
import { ensureTable, LOCAL_REGION, localCredentials, startDynamoDbLocal } from './dynamodb-local.ts';
import { loadRoutes, makeApiGateway, serveWeb } from './gateway.ts';
import { PortInUseError } from './net.ts';
import { API_AUDIENCE, createLocalIssuer } from './oidc-issuer.ts';
import { makeTokenVerifier } from './token-verifier.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const defaultDataDir = join(repoRoot, '.wharf');
export const TABLE_NAME = 'wharf';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  /** Deletes the data folder first. */
  fresh?: boolean;
  /** Keep DynamoDB data in memory only (tests). */
  inMemory?: boolean;
  /** Writes `stack.json` into the data folder so `npm run token` and `npm run invoke` find the stack. */
  writeStackFile?: boolean;
}

export interface LocalStack {
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

/** The environment the handlers read, the same settings names as in AWS. */
export function handlerEnvironment(options: { dynamodbEndpoint: string; dataDir: string }) {
  return {
    WHARF_MODE: 'local',
    WHARF_TABLE_NAME: TABLE_NAME,
    DYNAMODB_ENDPOINT: options.dynamodbEndpoint,
    WHARF_SECRETS_FILE: join(options.dataDir, 'secrets.json'),
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error),
    );
    server.listen(port, () => resolvePort((server.address() as AddressInfo).port));
  });
}

/**
 * Starts the whole local platform in this process: DynamoDB Local (child process), the OIDC issuer,
 * and one gateway origin serving /api (route table → handlers), /oidc, /ws and the SPA at /.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  if (options.fresh) await rm(options.dataDir, { recursive: true, force: true });

  // Claim the port first, so a port in use fails before anything else starts.
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
      .end('{"message":"Starting"}');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error('gateway error:', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, options.port);
  const url = `http://localhost:${port}`;

  const dynamo = await startDynamoDbLocal({
    dataDir: join(options.dataDir, 'dynamodb'),
    inMemory: options.inMemory ?? false,
  }).catch(async (error) => {
    server.close();
    throw error;
  });
  try {
    await ensureTable(dynamo.endpoint, TABLE_NAME);
    Object.assign(
      process.env,
      handlerEnvironment({ dynamodbEndpoint: dynamo.endpoint, dataDir: options.dataDir }),
    );
    process.env.LOG_LEVEL ??= 'warn';

    const issuer = await createLocalIssuer({ origin: url, dataDir: options.dataDir });
    const verifier = makeTokenVerifier({
      issuer: issuer.issuer,
      audience: API_AUDIENCE,
      jwksUri: issuer.jwksUri,
    });
    const routes = await loadRoutes(httpRoutes, async (module) => {
      const file = pathToFileURL(join(repoRoot, 'functions', `${module}.ts`)).href;
      const mod = (await import(/* @vite-ignore */ file)) as { handler?: unknown };
      if (typeof mod.handler !== 'function')
        throw new Error(`functions/${module}.ts does not export a handler`);
      return mod.handler as never;
    });
    const api = makeApiGateway(routes, verifier);
    const webDist = join(repoRoot, 'web', 'dist');

    handle = async (req, res) => {
      const requestUrl = new URL(req.url ?? '/', url);
      const path = requestUrl.pathname;
      if (path === '/api' || path.startsWith('/api/')) return api(req, res, requestUrl);
      if (path === '/oidc' || path.startsWith('/oidc/')) return issuer.handle(req, res);
      if (path === '/ws') {
        res
          .writeHead(426, { 'content-type': 'application/json' })
          .end(
            '{"message":"/ws is reserved for the live log WebSocket, which arrives with the deploy workflow"}',
          );
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      return serveWeb(webDist, path, res);
    };

    const stackFile = join(options.dataDir, 'stack.json');
    if (options.writeStackFile) {
      await writeFile(
        stackFile,
        JSON.stringify(
          { url, issuer: issuer.issuer, dynamodbEndpoint: dynamo.endpoint, pid: process.pid },
          null,
          2,
        ),
      );
    }

    return {
      url,
      issuer: issuer.issuer,
      dynamodbEndpoint: dynamo.endpoint,
      tableName: TABLE_NAME,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await dynamo.stop();
        if (options.writeStackFile) await rm(stackFile, { force: true });
      },
    };
  } catch (error) {
    server.close();
    await dynamo.stop();
    throw error;
  }
}
