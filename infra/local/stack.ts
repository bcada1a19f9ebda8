import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeTokenVerifier } from '../../functions/lib/token-verifier.ts';
import { EXECUTION_ENDED_STATUSES, eventRoutes, httpRoutes, wsRoutes } from '../../functions/routes.ts';
import {
  DEPLOY_PROJECT,
  deployProjectDefinitionFor,
  deployProjectTasks,
} from '../../functions/sfn/definition.ts';
import { renderBootstrap } from '../../shared/manifests/index.ts';
import { lambdaContext } from './apigw-event.ts';
import { removeStackContainers } from './containers/cleanup.ts';
import { containerEnvironment } from './containers/environment.ts';
import { type LocalRegistry, startRegistry } from './containers/registry.ts';
import { ensureTable, LOCAL_REGION, localCredentials, startDynamoDbLocal } from './dynamodb-local.ts';
import { loadRoutes, makeApiGateway, sendGatewayError, serveWeb } from './gateway.ts';
import { createGitHttpHandler, listSamples, prepareSampleRepos } from './git-http.ts';
import {
  describeIntegrations,
  integrationSettings,
  integrationsFile,
  readIntegrationsFile,
} from './integrations.ts';
import { PortInUseError } from './net.ts';
import { API_AUDIENCE, createLocalIssuer, WEB_CLIENT_ID } from './oidc-issuer.ts';
import { closeLocalPlatform, localPlatform } from './platform-adapters.ts';
import { type ExecutionStatusChange, LocalStepFunctions } from './stepfunctions/local-step-functions.ts';
import { protectDataDir } from './tenant-sandbox.ts';
import { createWebSocketGateway, type WebSocketEvent } from './websocket-gateway.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const defaultDataDir = join(repoRoot, '.wharf');
export const TABLE_NAME = 'wharf';
const MANAGEMENT_PATH = '/_ws';

/**
 * How long the workflow's Wait states wait locally (ms), and how many rounds its loops may take:
 * builds and syncs are on this machine, so checks are frequent and the bounds short.
 */
const LOCAL_WAITS = { WaitForTurn: 200, WaitForBuild: 100, WaitForSync: 100 };
const LOCAL_LIMITS = {
  WHARF_LIMIT_TURN_WAITS: '3000',
  WHARF_LIMIT_BUILD_POLLS: '9000',
  WHARF_LIMIT_SYNC_CHECKS: '300',
};
/**
 * In container mode the first sync of a database may seed its engine's base image from Debian
 * packages (a minute or more on a fresh machine) before anything can report: the bound is minutes,
 * as Argo CD's is in AWS. A rollout that starts and fails is still reported at once by the reconciler.
 */
const CONTAINER_SYNC_CHECKS = '3000';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  port: number;
  /** The address the gateway listens on. Default 127.0.0.1: nothing listens beyond loopback unless asked. */
  host?: string;
  dataDir: string;
  /** Deletes the data folder first. */
  fresh?: boolean;
  /** Keep DynamoDB data in memory only (tests). */
  inMemory?: boolean;
  /** Writes `stack.json` into the data folder so the CLI commands find the stack. */
  writeStackFile?: boolean;
  /** How long a new app version has to pass its readiness check before the rollout counts as failed. */
  readinessTimeoutMs?: number;
  /** How long a run waits for an owner's approval before it is cancelled. Default 24 h, as in AWS. */
  approvalTimeoutSeconds?: number;
  /**
   * Real Jenkins / GitHub / Argo CD settings (handler setting names). Default: read from
   * `<dataDir>/config.json` and the environment (see integrations.ts).
   */
  integrations?: Record<string, string>;
  /**
   * `containers`: builds with buildah into a local registry and runs images with podman (start.ts picks
   * it when the tools are installed). `processes` (default, and the shared test stack): builds and
   * apps run as processes on this machine.
   */
  runtime?: 'containers' | 'processes';
}

export interface LocalStack {
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  stepFunctionsEndpoint: string;
  stateMachineArn: string;
  tableName: string;
  /** The environment the handlers run with (the same setting names as in AWS). */
  env: Record<string, string>;
  webhookSecret: string;
  /** The real systems in use (descriptions, never credentials). */
  integrations: string[];
  runtime: 'containers' | 'processes';
  /** Container mode: the local registry, `http://127.0.0.1:<port>`. */
  registryUrl?: string | undefined;
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error),
    );
    server.listen(port, host, () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** A secret generated once per data folder and kept there (owner-only), like the issuer's keys. */
async function persistentSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(24).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
async function importHandler(module: string): Promise<Handler> {
  const file = pathToFileURL(join(repoRoot, 'functions', `${module}.ts`)).href;
  const mod = (await import(/* @vite-ignore */ file)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`functions/${module}.ts does not export a handler`);
  return mod.handler as Handler;
}

/** Forwards a request to a locally running app, as the cluster's ingress would. */
function proxy(req: IncomingMessage, res: ServerResponse, port: number) {
  const upstream = httpRequest(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('The app did not answer.');
  });
  req.pipe(upstream);
}

/** `--fresh`: everything in the data folder goes, except the operator's own config.json. */
async function emptyDataDir(dataDir: string) {
  const entries = await readdir(dataDir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry !== 'config.json') await rm(join(dataDir, entry), { recursive: true, force: true });
  }
}

/**
 * Starts the whole local platform in this process: DynamoDB Local (child process), the OIDC issuer,
 * the Step Functions endpoint running the DeployProject definition, the local GitOps repository and
 * reconciler, and one gateway origin serving /api, /ws, /oidc, /git, the apps' `*.localhost` hosts,
 * and the SPA at /.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  if (options.fresh) {
    // The stack's containers, pods, volumes and images live in its own store: removed with the tools
    // first (they hold mounts), then with the folder.
    await removeStackContainers(options.dataDir);
    await emptyDataDir(options.dataDir);
  }
  const runtime = options.runtime ?? 'processes';
  await mkdir(options.dataDir, { recursive: true });
  await protectDataDir(options.dataDir);
  const integrations =
    options.integrations ??
    integrationSettings(
      readIntegrationsFile(integrationsFile(options.dataDir)),
      process.env,
      options.dataDir,
    );

  // Claim the port first, so a port in use fails before anything else starts.
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) =>
    sendGatewayError(
      res,
      503,
      { code: 'platform.starting', message: 'Wharf is starting; try again in a second.' },
      { 'retry-after': '1' },
    );
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error('gateway error:', error);
      if (res.headersSent) return void res.end();
      sendGatewayError(res, 500, {
        code: 'internal',
        message: 'Something went wrong on our side; try again.',
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, options.port, options.host ?? '127.0.0.1');
  const url = `http://localhost:${port}`;
  const stops: Array<() => Promise<unknown> | unknown> = [
    () => new Promise((r) => server.close(r)),
    () => server.closeAllConnections(),
  ];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  };

  try {
    const dynamo = await startDynamoDbLocal({
      dataDir: join(options.dataDir, 'dynamodb'),
      inMemory: options.inMemory ?? false,
      // One that a killed platform left running on this folder is stopped first.
      processDir: join(options.dataDir, 'processes', 'dynamodb'),
    });
    stops.push(() => dynamo.stop());
    await ensureTable(dynamo.endpoint, TABLE_NAME);

    // The execution-status rule, set once its handler is loaded (below).
    let executionStatusRule: (event: ExecutionStatusChange) => void = () => undefined;
    const sfn = new LocalStepFunctions({
      dataDir: join(options.dataDir, 'stepfunctions'),
      onStatusChange: (event) => executionStatusRule(event),
    });
    await sfn.load();
    const sfnServer = createServer((req, res) => void sfn.handle(req, res));
    const sfnPort = await listen(sfnServer, 0, '127.0.0.1');
    stops.push(() => new Promise((r) => sfnServer.close(r)));
    stops.push(() => sfn.stop());
    const stepFunctionsEndpoint = `http://127.0.0.1:${sfnPort}`;
    const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:000000000000:stateMachine:${DEPLOY_PROJECT}`;

    let registry: LocalRegistry | undefined;
    if (runtime === 'containers') {
      registry = await startRegistry({ dataDir: options.dataDir });
      stops.push(() => registry?.stop());
      await containerEnvironment(options.dataDir, { registry: registry.host });
    }
    const issuer = await createLocalIssuer({ origin: url, dataDir: options.dataDir });
    const webhookSecret = await persistentSecret(join(options.dataDir, 'webhook-secret'));
    const samplesFile = join(options.dataDir, 'samples.json');
    const env: Record<string, string> = {
      WHARF_MODE: 'local',
      WHARF_TABLE_NAME: TABLE_NAME,
      WHARF_DATA_DIR: options.dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      WHARF_SECRETS_FILE: join(options.dataDir, 'secrets.json'),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      SFN_ENDPOINT: stepFunctionsEndpoint,
      WHARF_STATE_MACHINE_ARN: stateMachineArn,
      WHARF_WS_ENDPOINT: `${url}${MANAGEMENT_PATH}`,
      WHARF_PLATFORM_DOMAIN: 'localhost',
      // Container mode: images are named by the local registry that holds them.
      WHARF_IMAGE_REGISTRY: registry ? `${registry.host}/wharf` : 'registry.localhost/wharf',
      WHARF_LOCAL_RUNTIME: runtime,
      ...(registry ? { WHARF_LOCAL_REGISTRY: registry.host } : {}),
      WHARF_LIVE_URL_TEMPLATE: `http://{host}:${port}`,
      WHARF_LOCAL_READINESS_TIMEOUT_MS: String(options.readinessTimeoutMs ?? 20_000),
      WHARF_GITHUB_WEBHOOK_SECRET: webhookSecret,
      WHARF_JWT_ISSUER: issuer.issuer,
      WHARF_JWT_AUDIENCE: API_AUDIENCE,
      WHARF_JWKS_URI: issuer.jwksUri,
      WHARF_SAMPLES_FILE: samplesFile,
      ...LOCAL_LIMITS,
      ...(runtime === 'containers' ? { WHARF_LIMIT_SYNC_CHECKS: CONTAINER_SYNC_CHECKS } : {}),
      ...integrations,
    };
    Object.assign(process.env, env);
    process.env.LOG_LEVEL ??= 'warn';
    // No CloudWatch here to read EMF metric lines; POWERTOOLS_METRICS_DISABLED=false prints them.
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

    // The local stand-ins for Jenkins, the GitOps repository and Argo CD: the same instances the
    // handlers' wiring gets (functions/lib/wiring/local.ts), made from the settings above.
    const { gitops, sync: reconciler } = localPlatform(process.env);
    stops.push(() => closeLocalPlatform(options.dataDir));

    // The GitOps repository, with the Argo CD bootstrap Wharf generates.
    const gitopsDir = join(options.dataDir, 'gitops.git');
    await gitops.init();
    await gitops.commit({
      message: 'Bootstrap: app-of-apps, ApplicationSet',
      author: { name: 'Wharf', email: 'wharf@localhost' },
      files: renderBootstrap({
        repoUrl: `file://${gitopsDir}`,
        revision: 'main',
        argoNamespace: 'argocd',
        workspaces: [],
      }),
      // Not the folder: workspaces created through the API keep their files (bootstrap/workspaces/).
    });

    // Sample repositories, served over git smart HTTP at /git/<name>.git.
    const reposDir = join(options.dataDir, 'git');
    await prepareSampleRepos({ samplesDir: join(repoRoot, 'samples'), reposDir });
    const samples = await listSamples({ samplesDir: join(repoRoot, 'samples') });
    await writeFile(
      samplesFile,
      JSON.stringify(
        samples.map((s) => ({ name: s.name, url: `${url}/git/${s.name}.git`, description: s.description })),
        null,
        2,
      ),
    );
    const gitHttp = createGitHttpHandler({ reposDir });

    // Runs whose execution ended with an earlier platform (kill -9, a crash) end now, so that Git is
    // back to the recorded release before the reconciler starts the apps from it.
    // Loaded now, as the handlers are: the wiring reads the settings above when its modules load.
    const { endRunsOfLostExecutions } = await import('./run-sweep.ts');
    const ended = await endRunsOfLostExecutions();
    if (ended.length > 0) console.log(`Ended ${ended.length} run(s) the last platform left unfinished.`);

    // The reconciler plays Argo CD: it runs what the GitOps repository says at the hosts it names.
    await reconciler.start();

    // The handlers: the same modules Lambda runs, loaded once as at a cold start.
    const verifier = makeTokenVerifier({
      issuer: issuer.issuer,
      audience: API_AUDIENCE,
      jwksUri: issuer.jwksUri,
    });
    const api = makeApiGateway(await loadRoutes(httpRoutes, importHandler as never), verifier);
    const taskHandlers = Object.fromEntries(
      await Promise.all(
        Object.entries(deployProjectTasks).map(async ([state, module]) => {
          const handler = await importHandler(module);
          return [
            state,
            (payload: unknown) => handler(payload, lambdaContext(module.replace('/', '-'), 120_000)),
          ];
        }),
      ),
    );
    sfn.registerStateMachine({
      name: DEPLOY_PROJECT,
      definition: deployProjectDefinitionFor({ approvalTimeoutSeconds: options.approvalTimeoutSeconds }),
      taskHandlers,
      waitTimeOverrides: LOCAL_WAITS,
      retryIntervalOverrides: Object.fromEntries(Object.keys(deployProjectTasks).map((t) => [t, 200])),
    });

    // As the EventBridge rule in AWS: DeployProject executions that ended without FailRun end their run.
    const executionStatus = await importHandler(eventRoutes.executionStatus);
    const endedStatuses: readonly string[] = EXECUTION_ENDED_STATUSES;
    executionStatusRule = (event) => {
      if (event.detail.stateMachineArn !== stateMachineArn || !endedStatuses.includes(event.detail.status))
        return;
      executionStatus(event, lambdaContext('events-execution-status', 60_000)).catch((error) =>
        console.error(`execution-status: run ${event.detail.name}:`, error),
      );
    };

    const authorize = await importHandler(wsRoutes.authorizer);
    const connect = await importHandler(wsRoutes.$connect);
    const disconnect = await importHandler(wsRoutes.$disconnect);
    const messageRoute = await importHandler(wsRoutes.$default);
    const ws = createWebSocketGateway({
      domainName: `localhost:${port}`,
      managementPath: MANAGEMENT_PATH,
      routes: {
        // API Gateway runs the REQUEST authorizer before $connect and hands its context on.
        $connect: async (event: WebSocketEvent, context) => {
          const rc = event.requestContext as unknown as Record<string, unknown>;
          let auth: { principalId: string; context?: Record<string, unknown> };
          try {
            auth = (await authorize(
              {
                type: 'REQUEST',
                methodArn: `arn:aws:execute-api:${LOCAL_REGION}:000000000000:local/local/$connect`,
                headers: event.headers,
                queryStringParameters: event.queryStringParameters,
                requestContext: rc,
              },
              context,
            )) as typeof auth;
          } catch {
            return { statusCode: 401 };
          }
          rc.authorizer = { ...auth.context, principalId: auth.principalId };
          return (await connect(event, context)) as { statusCode: number };
        },
        $disconnect: (event, context) => disconnect(event, context) as never,
        $default: (event, context) => messageRoute(event, context) as never,
      },
    });
    stops.push(() => ws.close());
    server.on('upgrade', (req, socket, head) => {
      ws.handleUpgrade(req, socket, head).then(
        (handled) => handled || socket.destroy(),
        () => socket.destroy(),
      );
    });

    const webDist = join(repoRoot, 'web', 'dist');
    // The SPA's runtime settings, as the CDK app writes them next to the bundle in AWS.
    const webConfig = JSON.stringify({
      issuer: issuer.issuer,
      clientId: WEB_CLIENT_ID,
      audience: API_AUDIENCE,
      apiUrl: '/api',
      webSocketUrl: '/ws',
      mode: 'local',
      webhookUrl: `${url}/api/webhooks/github`,
    });
    handle = async (req, res) => {
      const host = (req.headers.host ?? '').split(':')[0]?.toLowerCase() ?? '';
      if (host.endsWith('.localhost')) {
        const route = reconciler.route(host);
        if (route) return proxy(req, res, route.port);
        res
          .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`No app is deployed at ${host}. Deploy a project in Wharf (${url}) to serve it here.`);
        return;
      }
      const requestUrl = new URL(req.url ?? '/', url);
      const path = requestUrl.pathname;
      if (path === '/api' || path.startsWith('/api/')) return api(req, res, requestUrl);
      if (path.startsWith(`${MANAGEMENT_PATH}/`) && (await ws.handleManagement(req, res))) return;
      if (path.startsWith('/git/')) return gitHttp(req, res, path.slice('/git'.length) || '/');
      if (path === '/oidc' || path.startsWith('/oidc/')) return issuer.handle(req, res);
      if (path === '/ws') {
        return sendGatewayError(
          res,
          426,
          { code: 'websocket.upgrade_required', message: 'Connect to /ws with a WebSocket client.' },
          { upgrade: 'websocket' },
        );
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendGatewayError(
          res,
          405,
          {
            code: 'method.not_allowed',
            message: `${req.method} is not allowed here: the web app takes GET and HEAD.`,
          },
          { allow: 'GET, HEAD' },
        );
      }
      if (path === '/config.json') {
        res
          .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' })
          .end(webConfig);
        return;
      }
      return serveWeb(webDist, path, res);
    };

    const stackFile = join(options.dataDir, 'stack.json');
    if (options.writeStackFile) {
      await writeFile(
        stackFile,
        JSON.stringify(
          {
            url,
            issuer: issuer.issuer,
            dynamodbEndpoint: dynamo.endpoint,
            stepFunctionsEndpoint,
            stateMachineArn,
            pid: process.pid,
          },
          null,
          2,
        ),
        { mode: 0o600 },
      );
      stops.push(() => rm(stackFile, { force: true }));
    }

    return {
      url,
      issuer: issuer.issuer,
      dynamodbEndpoint: dynamo.endpoint,
      stepFunctionsEndpoint,
      stateMachineArn,
      tableName: TABLE_NAME,
      env,
      webhookSecret,
      integrations: describeIntegrations({ ...process.env, ...env }),
      runtime,
      registryUrl: registry?.url,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
