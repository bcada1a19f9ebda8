import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lambdaContext } from './apigw-event.ts';
import { ensureTable, LOCAL_REGION, localCredentials, startDynamoDbLocal } from './dynamodb-local.ts';
import { repoRoot, TABLE_NAME } from './stack.ts';
import { readRunningStack } from './stack-file.ts';

/**
 * `npm run invoke -- <handler> <event.json>`: runs one handler with one event, as Lambda would.
 * It uses the running stack's table when `npm start` is up, otherwise a throwaway in-memory one.
 */
const [handlerArg, eventArg] = process.argv.slice(2);
if (!handlerArg || !eventArg) {
  console.error(
    'Usage: npm run invoke -- <handler> <event.json>\n  e.g. npm run invoke -- http/health/get events/apigw-http/health.json',
  );
  process.exit(2);
}
const modulePath = resolve(
  repoRoot,
  'functions',
  handlerArg
    .replace(/^functions\//, '')
    .replace(/\.ts$/, '')
    .concat('.ts'),
);

let stopDb: (() => Promise<void>) | undefined;
try {
  const event = JSON.parse(await readFile(resolve(process.cwd(), eventArg), 'utf8'));
  let env: Record<string, string>;
  try {
    const stack = await readRunningStack();
    // stack.json holds no credentials: the local ones are fixed, the webhook secret is the data folder's own.
    const webhookSecret = await readFile(resolve(stack.dataDir, 'webhook-secret'), 'utf8').catch(() => '');
    env = {
      WHARF_MODE: 'local',
      WHARF_TABLE_NAME: TABLE_NAME,
      WHARF_DATA_DIR: stack.dataDir,
      DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
      WHARF_SECRETS_FILE: resolve(stack.dataDir, 'secrets.json'),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      SFN_ENDPOINT: stack.stepFunctionsEndpoint,
      WHARF_STATE_MACHINE_ARN: stack.stateMachineArn,
      WHARF_JWT_ISSUER: stack.issuer,
      WHARF_WS_ENDPOINT: `${stack.url}/_ws`,
      ...(webhookSecret.trim() ? { WHARF_GITHUB_WEBHOOK_SECRET: webhookSecret.trim() } : {}),
    };
  } catch {
    const db = await startDynamoDbLocal({ inMemory: true });
    await ensureTable(db.endpoint, TABLE_NAME);
    stopDb = db.stop;
    const dataDir = resolve(repoRoot, '.wharf', 'invoke');
    env = {
      WHARF_MODE: 'local',
      WHARF_TABLE_NAME: TABLE_NAME,
      WHARF_DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: db.endpoint,
      WHARF_SECRETS_FILE: resolve(dataDir, 'secrets.json'),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    };
    console.error('(Wharf is not running: using a throwaway in-memory table)');
  }
  Object.assign(process.env, env, { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const mod = (await import(pathToFileURL(modulePath).href)) as {
    handler: (e: unknown, c: unknown) => Promise<unknown>;
  };
  const result = await mod.handler(event, lambdaContext(handlerArg.replaceAll('/', '-')));
  console.log(JSON.stringify(result, null, 2));
} catch (error) {
  console.error(`invoke failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await stopDb?.();
}
