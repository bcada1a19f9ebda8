import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTAINER_INSTALL_COMMAND, missingContainerTools } from './containers/environment.ts';
import { devAccounts } from './dev-accounts.ts';
import { listenHost, PortInUseError } from './net.ts';
import { defaultDataDir, repoRoot, startLocalStack } from './stack.ts';

const USAGE = `Usage: npm start [-- --fresh]

Starts the whole Wharf platform on this machine.
  --fresh   delete local data (.wharf/) first and start empty
Environment: PORT (default 8080), WHARF_DATA_DIR (default .wharf/),
  WHARF_HOST (default 127.0.0.1; 0.0.0.0 accepts connections from other machines),
  WHARF_RUNTIME=processes (run builds and apps as processes even where the container tools are installed)`;

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `Wharf runs on Node 24 (the Lambda runtime); this is Node ${process.versions.node}. Run it through npm (npm start), which uses the pinned Node 24.`,
  );
  process.exit(1);
}

let args: { fresh?: boolean | undefined; help?: boolean | undefined };
try {
  args = parseArgs({ options: { fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number from 0 to 65535, not "${process.env.PORT}"`);
  process.exit(2);
}
const dataDir = process.env.WHARF_DATA_DIR ?? defaultDataDir;

console.log(`Starting Wharf${args.fresh ? ' with fresh data' : ''}…`);
const started = Date.now();
// Containers where buildah, podman and the registry are installed; else the process mode, said once.
const missing = await missingContainerTools();
const runtime =
  missing.length === 0 && process.env.WHARF_RUNTIME !== 'processes' ? 'containers' : 'processes';
// Seeded base images are kept as OCI archives beside the dependencies (npm ci clears them), so a
// `--fresh` start or a second data folder loads them in a second instead of seeding them again.
process.env.WHARF_BASE_IMAGE_CACHE ??= join(repoRoot, 'node_modules', '.cache', 'wharf', 'base-images');
const runtimeLine =
  runtime === 'containers'
    ? 'Runtime: containers (buildah + podman)'
    : missing.length > 0
      ? `Runtime: processes — container tools missing (${missing.join(', ')}); install with: ${CONTAINER_INSTALL_COMMAND}`
      : 'Runtime: processes (WHARF_RUNTIME=processes)';
if (missing.length > 0) console.log(runtimeLine);
try {
  const stack = await startLocalStack({
    port,
    host: listenHost(process.env),
    dataDir,
    fresh: args.fresh ?? false,
    writeStackFile: true,
    runtime,
  });
  const pad = (s: string) => s.padEnd(14);
  console.log(`
Wharf is up in ${((Date.now() - started) / 1000).toFixed(1)} s

  ${pad('Web app')}${stack.url}/
  ${pad('API')}${stack.url}/api   (try ${stack.url}/api/health)
  ${pad('OIDC issuer')}${stack.issuer}
  ${pad('DynamoDB')}${stack.dynamodbEndpoint}   table "${stack.tableName}"
  ${pad('Data')}${dataDir}   (npm start -- --fresh starts empty)
${stack.registryUrl ? `  Registry (local stand-in for Harbor): ${stack.registryUrl}\n` : ''}
${runtimeLine}
${stack.integrations.length > 0 ? `\nReal systems (from ${dataDir}/config.json or the environment):\n${stack.integrations.map((l) => `  ${l}`).join('\n')}\n` : ''}
${
  runtime === 'containers'
    ? 'Base images come from Debian packages, seeded into the registry at first need (Docker Hub is used where it answers).'
    : 'Process mode: builds and apps run as local processes on this machine, not in containers; deploy only code you trust.'
}

Dev accounts (one click on the sign-in page): ${devAccounts.map((a) => a.username).join(', ')}
Token for curl:  TOKEN=$(npm run --silent token -- alice)
                 curl -H "Authorization: Bearer $TOKEN" ${stack.url}/api/me

Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Wharf…`);
    const force = setTimeout(() => process.exit(1), 10_000);
    await stack.stop();
    clearTimeout(force);
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof PortInUseError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(`Wharf did not start: ${(error as Error).message}`);
  process.exit(1);
}
