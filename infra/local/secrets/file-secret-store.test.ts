import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from './file-secret-store.ts';

describe('FileSecretStore', () => {
  it('keeps every concurrent write, in a file only its owner can read', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'wharf-secrets-')), 'secrets.json');
    const store = new FileSecretStore(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`ref/${i}`, `value-${i}`)));
    await store.delete('ref/3');
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(saved)).toHaveLength(19);
    expect(await store.get('ref/7')).toBe('value-7');
    expect(await store.get('ref/3')).toBeUndefined();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
