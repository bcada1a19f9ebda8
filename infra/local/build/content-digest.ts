import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, lstat, mkdir, readdir, readlink, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

const EXCLUDED = '.git';

interface Entry {
  /** Relative, '/'-separated. */
  path: string;
  kind: 'file' | 'dir' | 'link';
}

async function walk(root: string, relative: string, into: Entry[]): Promise<void> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name === EXCLUDED) continue;
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink()) into.push({ path, kind: 'link' });
    else if (entry.isDirectory()) {
      into.push({ path, kind: 'dir' });
      await walk(root, path, into);
    } else if (entry.isFile()) into.push({ path, kind: 'file' });
    // Sockets, FIFOs and devices are not part of an app.
  }
}

/**
 * `sha256:<hex>` of a folder's content: every entry in sorted path order with its kind, the
 * executable bit and size of files, and their bytes; symlinks by target (never followed, so a link
 * can't pull in a file from outside the folder). `.git` is left out at any depth. The same files
 * always give the same digest, wherever and whenever they were built.
 */
export async function contentDigest(dir: string): Promise<string> {
  const entries: Entry[] = [];
  await walk(dir, '', entries);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash('sha256');
  for (const entry of entries) {
    const full = join(dir, entry.path);
    if (entry.kind === 'dir') hash.update(`d ${entry.path}\0`);
    else if (entry.kind === 'link') hash.update(`l ${entry.path}\0${await readlink(full)}\0`);
    else {
      const stats = await lstat(full);
      hash.update(`f ${entry.path}\0${stats.mode & 0o111 ? 'x' : '-'}${stats.size}\0`);
      for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
    }
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Copies the built folder (without .git, symlinks kept as they are) to `<artifactsDir>/<hex>/`. The
 * folder is content-addressed, so when it is already there it is left alone; the copy is made under
 * a temporary name and renamed, so a reader never sees half of it.
 */
export async function storeArtifact(dir: string, artifactsDir: string, digest: string): Promise<string> {
  const hex = digest.replace(/^sha256:/, '');
  const target = join(artifactsDir, hex);
  await mkdir(artifactsDir, { recursive: true });
  try {
    await lstat(target);
    return target;
  } catch {
    // Not there yet.
  }
  const temporary = join(artifactsDir, `.${hex}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await cp(dir, temporary, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => basename(source) !== EXCLUDED,
    });
    await rename(temporary, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another build stored the same content first.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  return target;
}
