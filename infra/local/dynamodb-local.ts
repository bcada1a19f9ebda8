import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { tableDefinition, tableKeySchemas } from '../../functions/adapters/dynamodb/table.ts';
import { freePort } from './net.ts';
import { ProcessRecords } from './process-records.ts';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** DynamoDB Local's jar ships in the amplify-dynamodb-simulator package; Java runs it. */
function jarDirectory(): string {
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

const LAUNCHER_SOURCE = fileURLToPath(new URL('./dynamodb-loopback.java', import.meta.url));
const LAUNCHER_CLASS = 'DynamoDbLocalOnLoopback';
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/wharf', import.meta.url));

/**
 * The folder holding the compiled loopback launcher, compiled with javac once per version of its
 * source (compiling at every start costs seconds). Undefined when javac is missing or fails.
 */
async function loopbackLauncher(jar: string): Promise<string | undefined> {
  const source = await readFile(LAUNCHER_SOURCE);
  const dir = join(
    CACHE_DIR,
    `dynamodb-loopback-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`,
  );
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
  const temporary = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(temporary, { recursive: true });
    await run('javac', ['-nowarn', '-cp', jar, '-d', temporary, LAUNCHER_SOURCE]);
    await rename(temporary, dir).catch((error: NodeJS.ErrnoException) => {
      // Another process compiled it meanwhile: theirs is the same.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    return dir;
  } catch (error) {
    console.warn(
      `Warning: could not compile the DynamoDB Local launcher with javac (${(error as Error).message.split('\n')[0]}); DynamoDB Local listens on every interface. Install a JDK (17+) to keep it on loopback.`,
    );
    return undefined;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

/**
 * Starts DynamoDB Local on a free loopback port, keeping data in `dataDir` (or memory). With
 * `processDir`, the process is recorded there, and one that a killed platform left running on the
 * same folder is stopped first.
 */
export async function startDynamoDbLocal(options: {
  dataDir?: string;
  inMemory?: boolean;
  processDir?: string;
}): Promise<DynamoDbLocal> {
  const records = options.processDir ? new ProcessRecords(options.processDir) : undefined;
  await records?.stopLeftovers(5_000);
  const port = await freePort();
  const dir = jarDirectory();
  const jar = join(dir, 'DynamoDBLocal.jar');
  // The jar has no host option and listens on every interface; the launcher binds it to loopback.
  const launcher = await loopbackLauncher(jar);
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    '-Xmx512m',
    ...(launcher ? ['-cp', `${jar}${delimiter}${launcher}`, LAUNCHER_CLASS] : ['-jar', jar]),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.inMemory || !options.dataDir) args.push('-inMemory');
  else {
    await mkdir(options.dataDir, { recursive: true });
    args.push('-dbPath', options.dataDir);
  }
  let child: ChildProcess;
  try {
    child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(
      `Could not start DynamoDB Local with java: ${(error as Error).message}. Install Java 17 or newer.`,
    );
  }
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', () => undefined);
  const { pid } = child;
  if (records && pid !== undefined) {
    await records.record(pid, args, { group: false });
    void exited.then(() => records.forget(pid));
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode) {
      throw new Error(
        `DynamoDB Local exited during start-up (is Java 17+ installed?):\n${output.slice(-2000)}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null && !child.signalCode) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Creates the table from the shared definition when missing, and turns TTL on. Idempotent. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
  const d = tableDefinition;
  const keyAttrs = new Set<string>([d.partitionKey, d.sortKey]);
  for (const gsi of d.globalSecondaryIndexes) {
    keyAttrs.add(gsi.partitionKey);
    keyAttrs.add(gsi.sortKey);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...keyAttrs].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        ...tableKeySchemas(),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: d.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  client.destroy();
}
