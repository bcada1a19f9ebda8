import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommitInfo, ImageRef } from '../../../shared/deploy.ts';
import type { BuildFailureCause, BuildRequest, BuildState } from '../../../shared/deploy-ports.ts';

/** What `<workDir>/<buildId>/state.json` holds: enough to answer a poll after a restart. */
export interface BuildRecord {
  buildId: string;
  request: BuildRequest;
  state: BuildState;
  phase: 'build' | 'push';
  createdAt: string;
  updatedAt: string;
  finishedAt?: string | undefined;
  /** The process running the pipeline, and when it last said so. */
  runner: { pid: number; heartbeatAt: string };
  /** Process group of the command running now, so another process can stop it. */
  commandPid?: number | undefined;
  image?: ImageRef | undefined;
  images?: Record<string, ImageRef> | undefined;
  sourceCommit?: string | undefined;
  /** The checked-out commit's subject and author (`git log -1`), for the run's and release's titles. */
  commit?: CommitInfo | undefined;
  reason?: string | undefined;
  /** On failure: what kind it was (the repository, the branch, the user's command, the platform). */
  cause?: BuildFailureCause | undefined;
}

export const isTerminal = (state: BuildState) =>
  state === 'succeeded' || state === 'failed' || state === 'cancelled';

export const stateFile = (buildDir: string) => join(buildDir, 'state.json');
export const logFile = (buildDir: string) => join(buildDir, 'build.log');

export async function readRecord(buildDir: string): Promise<BuildRecord | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(buildDir), 'utf8')) as BuildRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written to a temporary file and renamed, so a reader (in any process) sees the old or the new state. */
export async function writeRecord(buildDir: string, record: BuildRecord): Promise<void> {
  const temporary = join(buildDir, `.state.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, stateFile(buildDir));
}
