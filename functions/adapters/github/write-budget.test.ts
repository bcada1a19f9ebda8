import { describe, expect, it } from 'vitest';
import { WriteBudget } from './write-budget.ts';

/** A budget on a fake clock: sleeping advances time at once. */
function budgetAt(options: ConstructorParameters<typeof WriteBudget>[0]) {
  const clock = { t: 0 };
  const budget = new WriteBudget({
    ...options,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  });
  const takeAt = async () => {
    await budget.take();
    return clock.t;
  };
  return { budget, clock, takeAt };
}

describe('WriteBudget', () => {
  it('keeps the least interval between writes', async () => {
    const { takeAt } = budgetAt({ minIntervalMs: 1_000 });
    expect([await takeAt(), await takeAt(), await takeAt()]).toEqual([0, 1_000, 2_000]);
  });

  it('never lets more than perMinute writes through in any 60 s, nor perHour in any hour', async () => {
    const { takeAt } = budgetAt({ perMinute: 3, perHour: 5, minIntervalMs: 0 });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push(await takeAt());
    expect(times).toEqual([0, 0, 0, 60_000, 60_000, 3_600_000, 3_600_000]);
  });

  it('serves concurrent writers in order', async () => {
    const { budget, clock } = budgetAt({ perMinute: 2, minIntervalMs: 0 });
    const order: Array<[number, number]> = [];
    await Promise.all([0, 1, 2, 3].map((i) => budget.take().then(() => order.push([i, clock.t]))));
    expect(order).toEqual([
      [0, 0],
      [1, 0],
      [2, 60_000],
      [3, 60_000],
    ]);
    expect(budget.used).toBe(4);
  });

  it('holds writes back after a secondary rate limit', async () => {
    const { budget, takeAt } = budgetAt({ minIntervalMs: 0 });
    expect(await takeAt()).toBe(0);
    budget.pause(5_000);
    expect(await takeAt()).toBe(5_000);
  });

  it('stands in for the throttling plugin’s write group', async () => {
    const { budget } = budgetAt({ minIntervalMs: 0 });
    const group = budget.asThrottleGroup();
    expect(await group.key('wharf').schedule({ priority: 0 }, () => 42)).toBe(42);
    expect(budget.used).toBe(1);
  });

  it('refuses a budget that allows nothing', () => {
    expect(() => new WriteBudget({ perMinute: 0 })).toThrow(/perMinute/);
  });
});
