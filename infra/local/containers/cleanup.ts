import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { containerVariables } from './environment.ts';

const exec = promisify(execFile);

/**
 * `npm start -- --fresh`: removes the stack's pods, containers, volumes, networks and images from its
 * own store (never the machine's: the tools run with the stack's settings). The store's folder goes
 * with the data folder afterwards; removing through the tools first releases their mounts.
 * Does nothing when the data folder has no container settings or podman is not installed.
 */
export async function removeStackContainers(dataDir: string): Promise<void> {
  const variables = containerVariables(dataDir);
  const written = await access(variables.CONTAINERS_STORAGE_CONF as string).then(
    () => true,
    () => false,
  );
  if (!written) return;
  const env = { ...process.env, ...variables };
  const steps: Array<[string, string[]]> = [
    ['podman', ['pod', 'rm', '-af', '-t', '0']],
    ['podman', ['rm', '-af', '-t', '0']],
    ['podman', ['volume', 'rm', '-af']],
    ['podman', ['network', 'prune', '-f']],
    ['buildah', ['rm', '-a']],
    ['podman', ['rmi', '-af']],
  ];
  for (const [command, args] of steps) {
    // A tool that is missing or has nothing to remove must not stop a fresh start.
    await exec(command, args, { env, timeout: 120_000 }).catch(() => undefined);
  }
}
