import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CommitCoalescer, mergeChanges, type PreparedChange } from './commit-coalescer.ts';

const fulfilled = <R>(value: R): PromiseSettledResult<R> => ({ status: 'fulfilled', value });

describe('CommitCoalescer', () => {
  it('sends a synchronous burst together, in batches of at most maxBatch', async () => {
    const batches: string[][] = [];
    const coalescer = new CommitCoalescer<string, string>(
      async (batch) => {
        batches.push(batch);
        return batch.map(() => fulfilled(`write-${batches.length}`));
      },
      { maxBatch: 3 },
    );
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => coalescer.submit(x)));
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(results).toEqual(['write-1', 'write-1', 'write-1', 'write-2', 'write-2']);
  });

  it('makes changes that arrive during a write wait, then writes them as one', async () => {
    const batches: string[][] = [];
    const coalescer = new CommitCoalescer<string, number>(
      async (batch) => {
        batches.push(batch);
        await sleep(30);
        return batch.map(() => fulfilled(batches.length));
      },
      { maxBatch: 20 },
    );
    const first = coalescer.submit('first');
    await sleep(5); // the first write is in flight
    const later = ['x', 'y', 'z'].map((x) => coalescer.submit(x));
    expect(coalescer.queued).toBe(3);
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([2, 2, 2]);
    expect(batches).toEqual([['first'], ['x', 'y', 'z']]);
    expect(coalescer.queued).toBe(0);
  });

  it('fails a whole batch when the write throws, or one item when it reports one failure; later batches go on', async () => {
    let calls = 0;
    const coalescer = new CommitCoalescer<string, string>(
      async (batch) => {
        calls++;
        if (calls === 1) throw new Error('GitHub is down');
        return batch.map((x) =>
          x === 'bad' ? { status: 'rejected', reason: new Error('refused') } : fulfilled(`ok ${x}`),
        );
      },
      { maxBatch: 2 },
    );
    const results = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((x) => coalescer.submit(x)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'GitHub is down',
      'GitHub is down',
      'refused',
      'ok c',
    ]);
  });
});

const change = (
  message: string,
  files: Record<string, string>,
  deletePaths: string[] = [],
  email = 'a@x.io',
) =>
  ({
    message,
    author: { name: email.split('@')[0] as string, email },
    files: Object.entries(files).map(([path, content]) => ({ path, content })),
    deletePaths,
  }) satisfies PreparedChange;

describe('mergeChanges', () => {
  it('is the change itself when alone', () => {
    const only = change('Deploy a', { 'a/x': '1' });
    expect(mergeChanges([only])).toEqual({ ...only, count: 1 });
  });

  it('applies changes in order: later writes win, later deletes remove earlier writes, writes after a delete stay', () => {
    const merged = mergeChanges([
      change('one', { 'apps/a/v': '1', 'apps/b/v': '1' }),
      change('two', { 'apps/a/v': '2' }, ['apps/b']),
      change('three', { 'apps/b/w': 'new' }, ['apps/c']),
    ]);
    expect(merged.files).toEqual([
      { path: 'apps/a/v', content: '2' },
      { path: 'apps/b/w', content: 'new' },
    ]);
    expect(merged.deletePaths).toEqual(['apps/b', 'apps/c']);
    expect(merged.count).toBe(3);
  });

  it('lists every change in the message and credits other authors', () => {
    const merged = mergeChanges([
      change('Deploy shop (production) release 3\n\nImage shop:3.', { a: '1' }, [], 'alice@x.io'),
      change('Roll back api (staging) to release 1', { b: '1' }, [], 'bob@x.io'),
      change('Deploy web (production) release 9', { c: '1' }, [], 'alice@x.io'),
    ]);
    expect(merged.author.email).toBe('alice@x.io');
    expect(merged.message).toBe(
      [
        'Apply 3 GitOps changes',
        '',
        '- Deploy shop (production) release 3',
        '- Roll back api (staging) to release 1',
        '- Deploy web (production) release 9',
        '',
        '---',
        '',
        'Deploy shop (production) release 3\n\nImage shop:3.',
        '',
        '---',
        '',
        'Roll back api (staging) to release 1',
        '',
        '---',
        '',
        'Deploy web (production) release 9',
        '',
        'Co-authored-by: bob <bob@x.io>',
        '',
      ].join('\n'),
    );
  });
});
