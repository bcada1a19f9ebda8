import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataDir } from './stack.ts';

/** What a running `npm start` wrote about itself, for the token and invoke commands. */
export async function readRunningStack(): Promise<{
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  env: Record<string, string>;
}> {
  const dataDir = process.env.WHARF_DATA_DIR ?? defaultDataDir;
  try {
    return JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8'));
  } catch {
    throw new Error('Wharf is not running here: start it with `npm start` (in another terminal) first.');
  }
}
