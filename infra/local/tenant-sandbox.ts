import { execFileSync } from 'node:child_process';
import { chmod, lchown, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/**
 * How tenant code (a build's install and build scripts, an app in process mode) runs on this
 * machine. Without containers nothing can hide the whole file system from it; what the platform
 * does here: the code gets its own working tree outside the data folder, a scrubbed environment
 * with no platform path in it and, when Wharf runs as root and `setpriv` is installed, an
 * unprivileged user, so the data folder (mode 0700, owned by root) can't be read at all.
 */
export interface TenantUser {
  uid: number;
  gid: number;
}

/** `nobody`: owns nothing on the machine, so tenant code can read only what is world-readable. */
const NOBODY: TenantUser = { uid: 65534, gid: 65534 };

let detected: TenantUser | null | undefined;

/** The user tenant code runs as, or undefined when it runs as Wharf's own user (not root, or no setpriv). */
export function tenantUser(): TenantUser | undefined {
  if (detected === undefined) {
    detected = null;
    if (process.getuid?.() === 0) {
      try {
        execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
        detected = NOBODY;
      } catch {
        // No setpriv: tenant code runs as root, with the environment and working tree limits only.
      }
    }
  }
  return detected ?? undefined;
}

/** The command line that runs `command` as the tenant user (unchanged without one). */
export function asTenant(
  command: string,
  args: readonly string[],
  user = tenantUser(),
): { command: string; args: string[] } {
  if (!user) return { command, args: [...args] };
  return {
    command: 'setpriv',
    args: [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--clear-groups',
      '--no-new-privs',
      '--',
      command,
      ...args,
    ],
  };
}

/** Hands a folder and everything in it to the tenant user (symlinks themselves, never their targets). */
export async function giveToTenant(dir: string, user = tenantUser()): Promise<void> {
  if (!user) return;
  await lchown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { recursive: true })) {
    await lchown(join(dir, entry), user.uid, user.gid);
  }
}

/**
 * A new folder for tenant working trees: `<parent>/<prefix>XXXXXX`, which other users may pass
 * through but not list (each tree inside belongs to the tenant user).
 */
export async function tenantRoot(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, prefix));
  await chmod(dir, 0o711);
  return dir;
}

/** The data folder's files that hold secrets or credentials: only their owner may read them. */
export const SECRET_FILES = ['secrets.json', 'webhook-secret', 'oidc-keys.json', 'stack.json'];

/**
 * Keeps the platform's data folder to its owner (tenant code running as another user can't enter
 * it), and its secret files too, including any left with looser modes by an older version.
 */
export async function protectDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o700);
  for (const file of SECRET_FILES) {
    await chmod(join(dataDir, file), 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/**
 * The machine's PATH without the control plane's own tools (its node_modules/.bin, npm's script
 * helpers), so tenant code can't lean on packages the app doesn't declare nor learn where Wharf
 * lives; the Node running Wharf comes first, so builds and apps use the same (pinned) Node version.
 */
export function tenantPath(): string {
  const own = (dir: string) => /node_modules[\\/]\.bin$|node-gyp-bin$/.test(dir);
  const dirs = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
    .split(delimiter)
    .filter((d) => d && !own(d));
  const node = dirname(process.execPath);
  return [node, ...dirs.filter((d) => d !== node)].join(delimiter);
}
