import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildLogWriter, readLogLines } from './build-log.ts';

describe('build log', () => {
  it('hands out complete lines only, each once, by byte offset', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'wharf-log-')), 'build.log');
    expect(await readLogLines(file, 0, 1024)).toEqual({ lines: [], nextOffset: 0, more: false });

    const log = new BuildLogWriter(file);
    log.line('▶ Clone');
    log.line('naïve € line');
    await log.flush();
    const first = await readLogLines(file, 0, 1024);
    expect(first.lines).toEqual(['▶ Clone', 'naïve € line']);

    await appendFile(file, 'half a li'); // a line still being written
    const second = await readLogLines(file, first.nextOffset, 1024);
    expect(second).toEqual({ lines: [], nextOffset: first.nextOffset, more: true });
    await appendFile(file, 'ne\nnext\n');
    const third = await readLogLines(file, second.nextOffset, 1024);
    expect(third.lines).toEqual(['half a line', 'next']);
    expect(third.more).toBe(false);
    await log.close();
    log.line('after close');
    await log.flush();
    expect((await readLogLines(file, third.nextOffset, 1024)).lines).toEqual(['after close']);
  });

  it('bounds one read and says more lines wait', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'wharf-log-')), 'build.log');
    const log = new BuildLogWriter(file);
    for (let i = 0; i < 100; i++) log.line(`line ${i} with a multi\nline text`);
    await log.close();
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const slice = await readLogLines(file, offset, 200);
      lines.push(...slice.lines);
      offset = slice.nextOffset;
      if (!slice.more) break;
    }
    expect(lines).toHaveLength(100);
    expect(lines[99]).toBe('line 99 with a multi line text');
  });
});
