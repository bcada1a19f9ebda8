import { describe, expect, it } from 'vitest';
import { InMemoryRunLogs, InMemoryRuns, RecordingPublisher } from '../testing/in-memory-deploy.ts';
import { makeRunJournal } from './run-journal.ts';

describe('the run journal', () => {
  it('stores a text of several lines as that many log lines, so the log never draws one row over the next', async () => {
    const logs = new InMemoryRunLogs();
    const journal = makeRunJournal({
      runs: new InMemoryRuns(),
      logs,
      events: new RecordingPublisher(),
      clock: { now: () => new Date() },
    });
    const run = { id: 'r1', workspaceId: 'w1' };
    await journal.log(run, 'not ready: GET /nope → 404.\nLast output:\n> node server.js\n');
    await journal.log(run, ['one', 'two\r\nthree']);
    expect(logs.text('r1')).toEqual([
      'not ready: GET /nope → 404.',
      'Last output:',
      '> node server.js',
      'one',
      'two',
      'three',
    ]);
  });
});
