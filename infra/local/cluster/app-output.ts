import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** Longer lines are cut, so one minified blob can't fill the buffer or a status message. */
const MAX_LINE_CHARS = 2_000;

/** Keeps the last `capacity` items; older ones fall off. */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    if (this.items.length < this.capacity) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

/**
 * One app's output across the processes it ran (and the reconciler's own notes about it): the last
 * lines in memory, and every line appended to `<logDir>/<appName>.log` when a log folder is set.
 */
export class AppOutput {
  private readonly recent: RingBuffer<{ seq: number; line: string }>;
  /** The number of the last line written (lines are numbered from 1, per app, for as long as the platform runs). */
  private seq = 0;
  private file: WriteStream | undefined;
  private fileFailed = false;

  constructor(
    private readonly appName: string,
    private readonly logDir: string | undefined,
    capacity = 500,
  ) {
    this.recent = new RingBuffer(capacity);
  }

  line(text: string): void {
    const line = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text;
    this.seq += 1;
    this.recent.push({ seq: this.seq, line });
    this.open()?.write(`${new Date().toISOString()} ${line}\n`);
  }

  lines(): string[] {
    return this.recent.toArray().map((entry) => entry.line);
  }

  /** The number of the last line written: pass it to `since` to read only what comes after. */
  get last(): number {
    return this.seq;
  }

  /** The lines after line number `after` still held, oldest first, and the number to ask after next time. */
  since(after: number): { lines: string[]; next: number } {
    const lines = this.recent
      .toArray()
      .filter((entry) => entry.seq > after)
      .map((entry) => entry.line);
    return { lines, next: this.seq };
  }

  /** Closes the log file; a later line opens it again. */
  close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    if (!file) return Promise.resolve();
    return new Promise((resolve) => file.end(resolve));
  }

  private open(): WriteStream | undefined {
    if (this.file || !this.logDir || this.fileFailed) return this.file;
    const file = createWriteStream(join(this.logDir, `${this.appName}.log`), { flags: 'a', mode: 0o600 });
    // The file is a convenience: a full disk must not take the reconciler down.
    file.on('error', () => {
      this.fileFailed = true;
      if (this.file === file) this.file = undefined;
    });
    this.file = file;
    return file;
  }
}

/** Replaces every known secret value in a line, so an app that prints its env can't leak it into run logs. */
export function maskSecrets(line: string, secrets: readonly string[]): string {
  let masked = line;
  for (const secret of secrets) {
    // Very short values would mask ordinary words and numbers; they are not worth hiding.
    if (secret.length >= 4) masked = masked.split(secret).join('****');
  }
  return masked;
}
