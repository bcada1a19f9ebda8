import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HistoryEvent } from './execution-history.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What is kept of one execution: its DescribeExecution fields and its history. Dates in epoch ms. */
export interface ExecutionRecord {
  /** Start order, for newest-first listing and stable page tokens. */
  seq: number;
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
}

interface ExecutionsFile {
  version: 1;
  executions: ExecutionRecord[];
}

/**
 * Keeps the executions in one JSON file. Writes are debounced and atomic (a temporary file renamed
 * over the old one), so a crash leaves either the previous or the next complete file.
 */
export class ExecutionStore {
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => ExecutionRecord[],
    private readonly debounceMs = 200,
  ) {}

  /** The stored executions; none when there is no file yet. A corrupt file is set aside. */
  async read(): Promise<ExecutionRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<ExecutionsFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.executions)) throw new Error('unknown format');
      return parsed.executions;
    } catch (error) {
      const aside = `${this.file}.unreadable-${Date.now()}`;
      await rename(this.file, aside);
      console.warn(
        `Local Step Functions: ${this.file} could not be read (${(error as Error).message}); moved it to ${aside} and started with no executions.`,
      );
      return [];
    }
  }

  /** Writes soon; many changes in a burst make one write. */
  scheduleWrite(): void {
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#write().catch((error) =>
        console.error(`Local Step Functions: could not save ${this.file}:`, error),
      );
    }, this.debounceMs);
    // A pending write must not keep the process alive; stop() flushes explicitly.
    this.#timer.unref();
  }

  /** Writes now if anything changed, after any write in progress. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#write();
  }

  async #write(): Promise<void> {
    while (this.#writing) await this.#writing;
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#writing = this.#writeFile()
      .catch((error) => {
        this.#dirty = true;
        throw error;
      })
      .finally(() => {
        this.#writing = undefined;
      });
    await this.#writing;
  }

  async #writeFile(): Promise<void> {
    const body: ExecutionsFile = { version: 1, executions: this.snapshot() };
    const text = JSON.stringify(body);
    const temporary = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, this.file);
  }
}
