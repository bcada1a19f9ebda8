import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataDir } from './stack.ts';

/**
 * What a running `npm start` wrote about itself, for the token, logs and invoke commands: where it
 * listens, never a credential (those stay in the data folder's own files and the secret store).
 */
export interface RunningStack {
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  stepFunctionsEndpoint: string;
  stateMachineArn: string;
  pid: number;
  /** The data folder the file was read from. */
  dataDir: string;
}

export async function readRunningStack(): Promise<RunningStack> {
  const dataDir = process.env.WHARF_DATA_DIR ?? defaultDataDir;
  try {
    return { ...JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')), dataDir };
  } catch {
    throw new Error('Wharf is not running here: start it with `npm start` (in another terminal) first.');
  }
}
