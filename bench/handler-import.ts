import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { httpRoutes, wsRoutes } from '../functions/routes.ts';
import { deployProjectTasks } from '../functions/sfn/definition.ts';
import { repoRoot } from '../infra/local/stack.ts';
import { fixed, heading, median, table, verdict } from './report.ts';

export const IMPORT_TARGET_MS = 150;
const RUNS = 5;

const run = promisify(execFile);

/**
 * What a Lambda function of this control plane gets in AWS, before any request arrives. The webhook
 * handler reads its secret from Secrets Manager at cold start: here from a local endpoint answering
 * GetSecretValue (`AWS_ENDPOINT_URL_SECRETS_MANAGER`), so that read is part of the measured import.
 */
const lambdaEnvironment: Record<string, string> = {
  WHARF_MODE: 'cloud',
  WHARF_TABLE_NAME: 'wharf',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  WHARF_GITHUB_WEBHOOK_SECRET_ARN:
    'arn:aws:secretsmanager:us-east-1:000000000000:secret:wharf-platform/bench/github-webhook',
  WHARF_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:DeployProject',
  WHARF_WS_ENDPOINT: 'https://example.execute-api.us-east-1.amazonaws.com/ws',
  WHARF_JWT_ISSUER: 'https://id.example.com',
  WHARF_JWT_AUDIENCE: 'wharf-api',
};

/** Bundle size targets for every function (minified KB). */
export const BUNDLE_MAX_KB = 500;
export const BUNDLE_MEDIAN_KB = 250;

/** Every Lambda function: one per HTTP route, the WebSocket routes and authorizer, the workflow tasks. */
const functionsToMeasure = [
  ...httpRoutes
    .filter((r) => !r.localOnly)
    .map((r) => ({ trigger: `${r.method.padEnd(6)} ${r.path}`, handler: r.handler })),
  ...Object.entries(wsRoutes).map(([route, handler]) => ({ trigger: `WebSocket ${route}`, handler })),
  ...Object.entries(deployProjectTasks).map(([state, handler]) => ({
    trigger: `DeployProject ${state}`,
    handler,
  })),
];

/** Runs in a fresh Node process: time `import()` of the bundle and check it exports a handler. */
const probe = `
const url = process.argv[1];
const start = performance.now();
const mod = await import(url);
const ms = performance.now() - start;
if (typeof mod.handler !== 'function') throw new Error(url + ' does not export a handler function');
process.stdout.write(JSON.stringify({ ms }));
`;

interface HandlerResult {
  route: string;
  handler: string;
  bundleKb: number;
  runs: number[];
  median: number;
  /** Why the bundle could not be imported in the Lambda environment above (a finding, not a bench failure). */
  failure?: string;
}

/** Bundles every HTTP handler the way it ships to Lambda: one ESM file each, the AWS SDK included. */
async function bundleHandlers(outdir: string) {
  const handlers = [...new Set(functionsToMeasure.map((f) => f.handler))];
  await build({
    entryPoints: Object.fromEntries(handlers.map((h) => [h, join(repoRoot, 'functions', `${h}.ts`)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node24',
    bundle: true,
    minify: true,
    write: true,
    logLevel: 'error',
    // Prefer the SDK's ES module builds; CommonJS code left in the bundle still needs a `require`
    // for Node builtins, which an ES module lacks.
    mainFields: ['module', 'main'],
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  return new Map(handlers.map((h) => [h, join(outdir, `${h}.mjs`)]));
}

/** The error a failed import ended with, e.g. `ConfigError: Missing setting …`, from the probe's stderr. */
function importFailure(error: unknown): string {
  const stderr = String((error as { stderr?: unknown }).stderr ?? '');
  const match = stderr.match(/^(?:\S+ )?\[?(\w*Error)\]?: (.+)$/m);
  return match ? `${match[1]}: ${match[2]}` : ((error as Error).message.split('\n')[0] ?? 'unknown error');
}

async function importOnce(file: string): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '--eval', probe, pathToFileURL(file).href],
    { env: lambdaEnvironment, timeout: 30_000 },
  );
  return (JSON.parse(stdout) as { ms: number }).ms;
}

/** Section 2: cold `import()` time of each HTTP handler bundle in a fresh Node process. */
export async function benchHandlerImport(): Promise<string> {
  const outdir = await mkdtemp(join(tmpdir(), 'wharf-bench-bundles-'));
  const secretsManager = await localSecretsManager();
  lambdaEnvironment.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.url;
  try {
    const bundles = await bundleHandlers(outdir);
    const results: HandlerResult[] = [];
    for (const fn of functionsToMeasure) {
      const file = bundles.get(fn.handler) as string;
      const runs: number[] = [];
      let failure: string | undefined;
      try {
        // One process at a time, so the runs don't compete for the CPU.
        for (let i = 0; i < RUNS; i++) runs.push(await importOnce(file));
      } catch (error) {
        failure = importFailure(error);
      }
      results.push({
        route: fn.trigger,
        handler: fn.handler,
        bundleKb: (await stat(file)).size / 1024,
        runs,
        median: failure ? Number.NaN : median(runs),
        failure,
      });
    }
    return render(results);
  } finally {
    secretsManager.server.close();
    await rm(outdir, { recursive: true, force: true });
  }
}

/** Answers Secrets Manager's GetSecretValue (JSON 1.1 protocol) with a fixed value, on loopback. */
async function localSecretsManager(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ ARN: SecretId, Name: 'bench', SecretString: 'bench', VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function render(results: HandlerResult[]): string {
  const rows = results.map((r) => [
    r.route,
    r.handler,
    fixed(r.bundleKb),
    fixed(r.median),
    fixed(Math.min(...r.runs)),
    fixed(Math.max(...r.runs)),
    fixed(r.median / IMPORT_TARGET_MS, 2),
    verdict(r.median < IMPORT_TARGET_MS),
  ]);
  const passed = results.filter((r) => r.median < IMPORT_TARGET_MS).length;
  const sizes = results.map((r) => r.bundleKb).sort((a, b) => a - b);
  const medianKb = median(sizes);
  const largest = results.reduce((a, b) => (a.bundleKb >= b.bundleKb ? a : b));
  const overMax = results.filter((r) => r.bundleKb >= BUNDLE_MAX_KB).length;
  const imported = results.filter((r) => !r.failure);
  const slowest = imported.reduce<HandlerResult | undefined>(
    (a, b) => (a && a.median >= b.median ? a : b),
    undefined,
  );
  return [
    heading('2. Function bundles: size and cold import (bundled as for Lambda, fresh Node process)'),
    `bundle        esbuild: platform node, format esm, target node24, bundle + minify; only Node builtins external`,
    `runtime       ${process.execPath} (${process.version}); env ${Object.entries(lambdaEnvironment)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `measure       performance.now() around await import(bundle); ${RUNS} fresh processes per handler, median`,
    `target        import median < ${IMPORT_TARGET_MS} ms per function; every bundle < ${BUNDLE_MAX_KB} KB, median bundle < ${BUNDLE_MEDIAN_KB} KB`,
    '',
    table(
      ['route', 'handler', 'bundle KB', 'median ms', 'min ms', 'max ms', 'median/target', 'result'],
      rows,
      new Set([2, 3, 4, 5, 6]),
    ),
    `${passed}/${results.length} functions import within target${slowest ? `; slowest ${slowest.handler} at ${fixed(slowest.median)} ms` : ''}`,
    `bundle size   median ${fixed(medianKb)} KB (target < ${BUNDLE_MEDIAN_KB}, ratio ${fixed(medianKb / BUNDLE_MEDIAN_KB, 2)}) ${verdict(medianKb < BUNDLE_MEDIAN_KB)}; largest ${largest.handler} ${fixed(largest.bundleKb)} KB (ratio ${fixed(largest.bundleKb / BUNDLE_MAX_KB, 2)}); ${results.length - overMax}/${results.length} under ${BUNDLE_MAX_KB} KB ${verdict(overMax === 0)}`,
    ...results.filter((r) => r.failure).map((r) => `import failed  ${r.handler}: ${r.failure}`),
  ].join('\n');
}
