import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The local container cluster's tools and their settings. Nothing of the machine outside the data
 * folder is configured: buildah, podman and skopeo read the stack's own storage, engine and registry
 * files through CONTAINERS_STORAGE_CONF / CONTAINERS_CONF / CONTAINERS_REGISTRIES_CONF, which every
 * container command the stack runs gets in its environment (`ContainerEnvironment.env`).
 *
 * Why each setting (found on this machine kind, see the team's LOCAL-CONTAINERS notes):
 * - `runtime = "runc"`: crun refuses the hybrid cgroup layout ("cgroups in hybrid mode not supported").
 * - `default_ulimits` capped at the shell's hard limits: without CAP_SYS_RESOURCE podman's defaults
 *   (1048576) can't be set; nproc above 32768 was refused even below the hard limit.
 * - a short `tmp_dir` of its own: slirp4netns's socket path must stay under 108 characters, and a
 *   store of its own keeps `podman system reset` of this stack from wiping anyone else's.
 */

const exec = promisify(execFile);

/** The Debian packages the container cluster needs; named in the one line shown when any is missing. */
export const CONTAINER_PACKAGES = [
  'buildah',
  'podman',
  'runc',
  'slirp4netns',
  'docker-registry',
  'skopeo',
  'debootstrap',
] as const;
export const CONTAINER_INSTALL_COMMAND = `apt-get install ${CONTAINER_PACKAGES.join(' ')}`;

/** The commands the packages provide that the stack runs. */
const COMMANDS = ['buildah', 'podman', 'runc', 'docker-registry', 'skopeo', 'debootstrap'] as const;

async function onPath(command: string): Promise<boolean> {
  try {
    await exec('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/** The container commands missing on this machine (empty: container mode can run). */
export async function missingContainerTools(): Promise<string[]> {
  const found = await Promise.all(COMMANDS.map(async (c) => [c, await onPath(c)] as const));
  return found.filter(([, ok]) => !ok).map(([c]) => c);
}

export interface ContainerEnvironment {
  /** `<dataDir>/containers`: storage, run state, networks and the config files. */
  dir: string;
  /** Variables every buildah / podman / skopeo command of this stack runs with. */
  env: Record<string, string>;
}

async function hardLimit(flag: '-Hn' | '-Hu'): Promise<number | 'unlimited'> {
  const { stdout } = await exec('bash', ['-c', `ulimit ${flag}`]);
  const value = stdout.trim();
  return value === 'unlimited' ? 'unlimited' : Number(value);
}

/**
 * Writes the stack's container configuration under `<dataDir>/containers` and returns the environment
 * that points buildah, podman and skopeo at it. `registry` is the local registry's `host:port`
 * (plain HTTP on loopback, so it is listed as insecure).
 */
export async function containerEnvironment(
  dataDir: string,
  options: { registry?: string | undefined } = {},
): Promise<ContainerEnvironment> {
  const dir = join(dataDir, 'containers');
  await mkdir(join(dir, 'networks'), { recursive: true, mode: 0o700 });
  // Short and per stack (slirp4netns socket path < 108 characters); a hash of the folder keeps stacks apart.
  const tmpDir = join('/run/wharf', shortId(dir));
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const nofile = await hardLimit('-Hn');
  const nprocLimit = await hardLimit('-Hu');
  const nproc = nprocLimit === 'unlimited' || nprocLimit > 32768 ? 32768 : nprocLimit;
  const files = {
    'storage.conf': [
      '[storage]',
      'driver = "overlay"',
      `graphroot = "${join(dir, 'storage')}"`,
      `runroot = "${join(dir, 'run')}"`,
      '',
    ].join('\n'),
    'containers.conf': [
      '[containers]',
      `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
      '[engine]',
      'runtime = "runc"',
      `tmp_dir = "${tmpDir}"`,
      '[network]',
      `network_config_dir = "${join(dir, 'networks')}"`,
      '',
    ].join('\n'),
    'registries.conf': [
      'unqualified-search-registries = []',
      ...(options.registry ? ['[[registry]]', `location = "${options.registry}"`, 'insecure = true'] : []),
      '',
    ].join('\n'),
  };
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content, { mode: 0o600 });
  }
  return { dir, env: containerVariables(dataDir) };
}

/**
 * The variables that point the tools at the files containerEnvironment wrote for this data folder
 * (for modules that run after the stack wrote them and can't wait for the writing again).
 */
export function containerVariables(dataDir: string): Record<string, string> {
  const dir = join(dataDir, 'containers');
  return {
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
  };
}

function shortId(path: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(path)) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
