import { mkdir, mkdtemp, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentDigest, storeArtifact } from './content-digest.ts';

async function app(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-app-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe('content digest and artifacts', () => {
  it('depends on paths and bytes only, not on .git or where the folder is', async () => {
    const a = await app({ 'server.js': 'x', 'dist/a.txt': '1', '.git/HEAD': 'ref: main' });
    const b = await app({ 'dist/a.txt': '1', 'server.js': 'x', '.git/HEAD': 'something else' });
    const c = await app({ 'server.js': 'x', 'dist/a.txt': '2' });
    const d = await app({ 'server.js': 'x', 'dist/b.txt': '1' });
    expect(await contentDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await contentDigest(a)).toBe(await contentDigest(b));
    expect(await contentDigest(a)).not.toBe(await contentDigest(c));
    expect(await contentDigest(a)).not.toBe(await contentDigest(d));
  });

  it('stores the folder once by digest, without .git, keeping symlinks as links', async () => {
    const dir = await app({ 'server.js': 'x', 'node_modules/pkg/bin.js': 'y', '.git/HEAD': 'ref' });
    await mkdir(join(dir, 'node_modules', '.bin'));
    await symlink('../pkg/bin.js', join(dir, 'node_modules', '.bin', 'pkg'));
    const artifacts = await mkdtemp(join(tmpdir(), 'wharf-artifacts-'));
    const digest = await contentDigest(dir);
    const stored = await storeArtifact(dir, artifacts, digest);
    expect(stored).toBe(join(artifacts, digest.slice(7)));
    expect((await readdir(stored)).sort()).toEqual(['node_modules', 'server.js']);
    expect(await readlink(join(stored, 'node_modules', '.bin', 'pkg'))).toBe('../pkg/bin.js');
    expect(await contentDigest(stored)).toBe(digest);
    expect(await storeArtifact(dir, artifacts, digest)).toBe(stored);
    expect(await readdir(artifacts)).toEqual([digest.slice(7)]);
  });
});
