import { setTimeout as sleep } from 'node:timers/promises';

export interface WriteBudgetOptions {
  /** Content-creating requests allowed in any 60 s (GitHub's secondary limit is 80). */
  perMinute?: number | undefined;
  /** Content-creating requests allowed in any hour (GitHub's secondary limit is 500). */
  perHour?: number | undefined;
  /** Least time between two writes: GitHub asks for a second between mutating requests. */
  minIntervalMs?: number | undefined;
  /** For tests: the clock and the wait. */
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<unknown>) | undefined;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * Paces GitHub content-creating requests (POST, PATCH, PUT, DELETE) so a burst of releases stays under
 * the secondary rate limit instead of running into it. A sliding-window token bucket: each write takes a
 * token that comes back a minute (and an hour) later, which, unlike a refilling bucket, never lets
 * more than `perMinute` writes through in any 60 s. Writers are served first come, first served.
 *
 * The budget is per process: separate Lambda execution environments each have their own, so the
 * sum can exceed it; the throttling plugin still retries a secondary rate limit after `retry-after`.
 */
export class WriteBudget {
  readonly perMinute: number;
  readonly perHour: number;
  readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;
  /** When each write within the last hour went out, oldest first. */
  private readonly stamps: number[] = [];
  private pausedUntil = 0;
  private tail: Promise<void> = Promise.resolve();
  private taken = 0;

  constructor(options: WriteBudgetOptions = {}) {
    this.perMinute = positive(options.perMinute ?? 80, 'perMinute');
    this.perHour = positive(options.perHour ?? 500, 'perHour');
    this.minIntervalMs = Math.max(0, options.minIntervalMs ?? 1_000);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /** Resolves when one more write may go out, and counts it. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.waitForRoom());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Holds every write back until `untilMs` (after GitHub answered with a secondary rate limit). */
  pause(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  /** Writes let through so far. */
  get used(): number {
    return this.taken;
  }

  /**
   * The shape of a Bottleneck group that @octokit/plugin-throttling calls before every write
   * (`write.key(id).schedule(options, fn)`): handing it this budget makes the plugin pace all writes,
   * its own retries included, through one limiter instead of its fixed one-second queue.
   */
  asThrottleGroup() {
    const limiter = {
      schedule: async <T>(...args: unknown[]): Promise<T> => {
        const fn = args.find((arg): arg is () => T | Promise<T> => typeof arg === 'function');
        await this.take();
        return (await fn?.()) as T;
      },
    };
    return { key: (_id?: string) => limiter };
  }

  private async waitForRoom(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.stamps.length > 0 && (this.stamps[0] as number) <= now - HOUR) this.stamps.shift();
      const wait = Math.max(
        this.pausedUntil - now,
        (this.stamps.at(-1) ?? Number.NEGATIVE_INFINITY) + this.minIntervalMs - now,
        this.windowWait(now, MINUTE, this.perMinute),
        this.windowWait(now, HOUR, this.perHour),
      );
      if (wait <= 0) {
        this.stamps.push(now);
        this.taken++;
        return;
      }
      await this.sleep(wait);
    }
  }

  /** How long until a write fits in the window: when the oldest write that fills it leaves. */
  private windowWait(now: number, windowMs: number, limit: number): number {
    let inWindow = 0;
    for (let i = this.stamps.length - 1; i >= 0 && (this.stamps[i] as number) > now - windowMs; i--)
      inWindow++;
    if (inWindow < limit) return 0;
    const oldestThatCounts = this.stamps[this.stamps.length - limit] as number;
    return oldestThatCounts + windowMs - now;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) throw new Error(`WriteBudget ${name} must be at least 1.`);
  return Math.floor(value);
}
