import { type FileHandle, open } from 'node:fs/promises';

/**
 * A build's log file: lines appended in order by one writer, read back by byte offset. Only complete
 * lines (ending in \n) are ever handed out, so a reader polling while a line is being written gets it
 * whole on the next poll, and every line exactly once.
 */
export class BuildLogWriter {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private handle: Promise<FileHandle> | undefined;
  private closed = false;

  constructor(private readonly file: string) {}

  /** Queues one line; a newline inside `text` would split it, so it is replaced by a space. */
  line(text: string): void {
    this.pending.push(`${text.replace(/\r?\n/g, ' ')}\n`);
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.drain());
  }

  /** Resolves once every queued line is in the file. */
  async flush(): Promise<void> {
    await this.writing;
  }

  /** Flushes and releases the file; a line written after this still reaches it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.release();
  }

  private async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  private async drain(): Promise<void> {
    // Lines queued while a write is in flight go out together in the next write.
    while (this.pending.length > 0) {
      const batch = this.pending.join('');
      this.pending = [];
      this.handle ??= open(this.file, 'a');
      await (await this.handle).write(batch);
    }
    if (this.closed) await this.release();
  }
}

export interface LogSlice {
  lines: string[];
  /** Byte offset just after the last complete line returned. */
  nextOffset: number;
  /** The file goes on past this slice (more lines, or one still being written). */
  more: boolean;
}

/** The complete lines of `file` from byte `offset`, reading at most `maxBytes`. */
export async function readLogLines(file: string, offset: number, maxBytes: number): Promise<LogSlice> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { lines: [], nextOffset: offset, more: false };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (offset >= size) return { lines: [], nextOffset: offset, more: false };
    const length = Math.min(size - offset, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    // \n is never part of a multi-byte UTF-8 sequence, so cutting after it never splits a character.
    const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    if (end === 0) return { lines: [], nextOffset: offset, more: true };
    const lines = buffer
      .subarray(0, end - 1)
      .toString('utf8')
      .split('\n');
    const nextOffset = offset + end;
    return { lines, nextOffset, more: nextOffset < size };
  } finally {
    await handle.close();
  }
}
