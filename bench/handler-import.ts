import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { httpRoutes } from '../functions/routes.ts';
import { repoRoot } from '../infra/local/stack.ts';
import { fixed, heading, median, table, verdict } from './report.ts';

export const IMPORT_TARGET_MS = 150;
const RUNS = 5;

const run = promisify(execFile);

/** What a Lambda function of this control plane gets in AWS, before any request arrives. */
const lambdaEnvironment = { WHARF_MODE: 'cloud', WHARF_TABLE_NAME: 'wharf', AWS_REGION: 'us-east-1' };

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
}

/** Bundles every HTTP handler the way it ships to Lambda: one ESM file each, the AWS SDK included. */
async function bundleHandlers(outdir: string) {
  const handlers = [...new Set(httpRoutes.map((r) => r.handler))];
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
  try {
    const bundles = await bundleHandlers(outdir);
    const results: HandlerResult[] = [];
    for (const route of httpRoutes) {
      const file = bundles.get(route.handler) as string;
      const runs: number[] = [];
      // One process at a time, so the runs don't compete for the CPU.
      for (let i = 0; i < RUNS; i++) runs.push(await importOnce(file));
      results.push({
        route: `${route.method.padEnd(6)} ${route.path}`,
        handler: route.handler,
        bundleKb: (await stat(file)).size / 1024,
        runs,
        median: median(runs),
      });
    }
    return render(results);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
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
  const slowest = results.reduce((a, b) => (b.median > a.median ? b : a));
  return [
    heading('2. Cold import of HTTP handlers (bundled, fresh Node process)'),
    `bundle        esbuild: platform node, format esm, target node24, bundle + minify; only Node builtins external`,
    `runtime       ${process.execPath} (${process.version}); env ${Object.entries(lambdaEnvironment)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `measure       performance.now() around await import(bundle); ${RUNS} fresh processes per handler, median`,
    `target        median < ${IMPORT_TARGET_MS} ms per handler`,
    '',
    table(
      ['route', 'handler', 'bundle KB', 'median ms', 'min ms', 'max ms', 'median/target', 'result'],
      rows,
      new Set([2, 3, 4, 5, 6]),
    ),
    `${passed}/${results.length} handlers within target; slowest ${slowest.handler} at ${fixed(slowest.median)} ms`,
  ].join('\n');
}
