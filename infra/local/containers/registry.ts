import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ProcessRecords } from '../process-records.ts';

/**
 * The local stand-in for Harbor: Debian's `docker-registry` (distribution 2.8, the engine Harbor
 * wraps) on a loopback port, with a config file and data of the stack's own under
 * `<dataDir>/containers`. Images are pinned by the digest this registry reports.
 */

/** The manifest types a registry may answer with; without them distribution converts to schema 1. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: the host part of image references. */
  host: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  dataDir: string;
  /** A port to use; default: the one this data folder used last if it is free, else a free one. */
  port?: number;
}

/** A free loopback port (the OS picks it; closed again right away for the registry to take). */
function freePort(preferred = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => (preferred ? freePort(0).then(resolve, reject) : reject(error)));
    server.listen(preferred, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The port of the last registry of this folder: releases name it in their image references. */
async function lastPort(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const port = Number(/addr:\s*127\.0\.0\.1:(\d+)/.exec(text)?.[1] ?? 0);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : 0;
}

function registryConfig(dataDir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dataDir, 'containers', 'registry-data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

/**
 * Starts the registry and resolves once `/v2/` answers. A registry that a killed platform left
 * running on this folder is stopped first (its pid is recorded under `<dataDir>/processes/registry`).
 */
export async function startRegistry(options: RegistryOptions): Promise<LocalRegistry> {
  const dir = join(options.dataDir, 'containers');
  await mkdir(join(dir, 'registry-data'), { recursive: true, mode: 0o700 });
  const records = new ProcessRecords(join(options.dataDir, 'processes', 'registry'));
  await records.stopLeftovers(STOP_GRACE_MS);
  const configFile = join(dir, 'registry.yml');
  // Same port as last time when it is free: the releases' image references keep working.
  const port = options.port ?? (await freePort(await lastPort(configFile)));
  await writeFile(configFile, registryConfig(options.dataDir, port), { mode: 0o600 });
  const args = ['serve', configFile];
  const child = spawn('docker-registry', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const failed = new Promise<never>((_r, reject) =>
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? 'docker-registry is not installed: apt-get install docker-registry'
            : `the image registry could not start: ${error.message}`,
        ),
      ),
    ),
  );
  failed.catch(() => undefined);
  const pid = child.pid;
  if (pid !== undefined) {
    await records.record(pid, args, { group: false });
    void exited.then(() => records.forget(pid));
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child, exited);
  try {
    await Promise.race([failed, waitUntilAnswering(url, child)]);
  } catch (error) {
    await stop();
    const detail = output.trim().split('\n').slice(-3).join(' ');
    throw new Error(`${(error as Error).message}${detail ? ` (${detail})` : ''}`);
  }
  return { host: `127.0.0.1:${port}`, url, pid: pid ?? 0, stop };
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the image registry exited with code ${child.exitCode}`);
    try {
      const answer = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      if (answer.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(`the image registry did not answer at ${url}/v2/ within ${READY_TIMEOUT_MS / 1000} s`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const killed = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(killed);
}

/**
 * The digest the registry reports for `<repository>:<tag>` (`Docker-Content-Digest` of a HEAD on the
 * manifest), or undefined when it has no such manifest.
 */
export async function manifestDigest(
  registryUrl: string,
  repository: string,
  reference: string,
): Promise<string | undefined> {
  const answer = await fetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (answer.status === 404) return undefined;
  if (!answer.ok) throw new Error(`the registry answered ${answer.status} for ${repository}:${reference}`);
  return answer.headers.get('docker-content-digest') ?? undefined;
}

/** The repositories the registry holds. */
export async function catalog(registryUrl: string): Promise<string[]> {
  const answer = await fetch(`${registryUrl}/v2/_catalog?n=1000`);
  if (!answer.ok) throw new Error(`the registry answered ${answer.status} for its catalog`);
  const body = (await answer.json()) as { repositories?: string[] };
  return body.repositories ?? [];
}
