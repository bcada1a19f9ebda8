import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretStore } from '../../../shared/ports.ts';

/**
 * The local stack's secret store: one JSON file under .wharf/, readable only by its owner, written
 * atomically (temp file + rename) and serialized within the process.
 */
export class FileSecretStore implements SecretStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  private async read(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  private change(mutate: (all: Record<string, string>) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const all = await this.read();
      mutate(all);
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
      await rename(tmp, this.file);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  put(ref: string, value: string) {
    return this.change((all) => {
      all[ref] = value;
    });
  }

  delete(ref: string) {
    return this.change((all) => {
      delete all[ref];
    });
  }

  /** For the local runner, which resolves references when it starts an app. */
  async get(ref: string): Promise<string | undefined> {
    await this.queue;
    return (await this.read())[ref];
  }
}
