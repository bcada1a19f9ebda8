import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What is kept of one process, to find it after a crash. */
export interface ProcessRecord {
  pid: number;
  /** It leads its own process group, which is stopped with it (an app); otherwise the process alone. */
  group?: boolean;
  /** `ps -o lstart` of the process: with the pid, it names one process (a reused pid has another). */
  startedAt: string;
  /** The arguments it was started with (its command line ends with them). */
  args: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The process's start time and command line, or undefined when there is no such process. */
async function identify(pid: number): Promise<{ startedAt: string; commandLine: string } | undefined> {
  try {
    const { stdout } = await run('ps', ['-o', 'lstart=,args=', '-p', String(pid)], {
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
    });
    // lstart is fixed width: "Fri Dec  4 12:16:44 2026".
    const match = /^\s*(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}) (.*)$/.exec(stdout.trimEnd());
    return match ? { startedAt: match[1] as string, commandLine: match[2] as string } : undefined;
  } catch {
    return undefined; // ps exits 1 when the process is gone
  }
}

function isAlive(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Processes the local platform started, one file each in a folder of the data folder: written when a
 * process starts and removed when it ends. A platform killed with SIGKILL can't stop its children
 * (apps run detached, in their own process groups, holding their ports; DynamoDB Local keeps the
 * data folder); the next start reads what is left here and stops those processes, after checking
 * that each pid is still the same process (same start time, same arguments).
 */
export class ProcessRecords {
  constructor(private readonly dir: string) {}

  private file(pid: number) {
    return join(this.dir, `${pid}.json`);
  }

  async record(pid: number, args: readonly string[], { group = true } = {}): Promise<void> {
    const identity = await identify(pid);
    if (!identity) return; // gone already
    const record: ProcessRecord = { pid, group, startedAt: identity.startedAt, args: [...args] };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(this.file(pid), JSON.stringify(record), { mode: 0o600 });
  }

  async forget(pid: number): Promise<void> {
    await rm(this.file(pid), { force: true });
  }

  /**
   * Stops every recorded process (with its group, if it leads one) that still runs as recorded
   * (SIGTERM, SIGKILL after `graceMs`), and forgets all records. Returns the pids it stopped.
   */
  async stopLeftovers(graceMs = 2_000): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const stopped: number[] = [];
    for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
      let record: ProcessRecord | undefined;
      try {
        record = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as ProcessRecord;
      } catch {
        record = undefined;
      }
      const identity = record && Number.isInteger(record.pid) && (await identify(record.pid));
      if (
        record &&
        identity &&
        identity.startedAt === record.startedAt &&
        identity.commandLine.endsWith(record.args.join(' '))
      ) {
        const target = record.group === false ? record.pid : -record.pid;
        try {
          process.kill(target, 'SIGTERM');
        } catch {
          // gone meanwhile
        }
        const deadline = Date.now() + graceMs;
        while (isAlive(target) && Date.now() < deadline) await sleep(50);
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // stopped on SIGTERM
        }
        stopped.push(record.pid);
      }
      await rm(join(this.dir, name), { force: true });
    }
    return stopped;
  }
}
