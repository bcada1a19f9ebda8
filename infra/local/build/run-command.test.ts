import { describe, expect, it } from 'vitest';
import { BuildCancelled, BuildFailure, LineSplitter, MAX_LINE_CHARS, runCommand } from './run-command.ts';

const env = { PATH: process.env.PATH ?? '' };

describe('LineSplitter', () => {
  it('emits whole lines across chunks, strips \\r, and keeps multi-byte characters intact', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const text = Buffer.from('first line\r\nsec€ond\n\nlast without newline');
    const cut = text.indexOf(Buffer.from('€')) + 1; // in the middle of the euro sign
    splitter.push(text.subarray(0, cut));
    splitter.push(text.subarray(cut));
    expect(lines).toEqual(['first line', 'sec€ond', '']);
    splitter.end();
    expect(lines).toEqual(['first line', 'sec€ond', '', 'last without newline']);
  });

  it('cuts endless lines into bounded pieces', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(Buffer.from('x'.repeat(MAX_LINE_CHARS * 2 + 5)));
    splitter.end();
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS, MAX_LINE_CHARS, 5]);
  });

  it('cuts only between characters, at most 8 KiB of UTF-8 a piece', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const long = `${'x'.repeat(MAX_LINE_CHARS - 1)}🚀${'é'.repeat(MAX_LINE_CHARS)}`;
    splitter.push(Buffer.from(long.slice(0, 9000)));
    splitter.push(Buffer.from(`${long.slice(9000)}\n`));
    splitter.end();
    expect(lines.join('')).toBe(long);
    for (const line of lines) {
      expect(line.isWellFormed()).toBe(true);
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_CHARS);
    }
  });
});

describe('runCommand', () => {
  const base = { cwd: process.cwd(), env, timeoutMs: 10_000 };

  it('streams stdout and stderr lines and resolves on exit code 0', async () => {
    const lines: string[] = [];
    const result = await runCommand({
      ...base,
      display: 'node script',
      command: process.execPath,
      args: ['-e', "console.log('out'); console.error('err'); console.log('value')"],
      signal: new AbortController().signal,
      onLine: (line) => lines.push(line),
      captureStdout: true,
    });
    expect(lines).toEqual(expect.arrayContaining(['out', 'err', 'value']));
    expect(result.stdout).toBe('out\nvalue\n');
  });

  it('passes arguments as they are, never through a shell', async () => {
    const lines: string[] = [];
    await runCommand({
      ...base,
      display: 'node',
      command: process.execPath,
      args: ['-e', 'console.log(process.argv[1])', '$(echo injected); `id` | cat'],
      signal: new AbortController().signal,
      onLine: (line) => lines.push(line),
    });
    expect(lines).toEqual(['$(echo injected); `id` | cat']);
  });

  it('rejects with a reason naming the command on a non-zero exit, a missing program, or a timeout', async () => {
    const signal = new AbortController().signal;
    await expect(
      runCommand({
        ...base,
        display: 'npm test',
        command: process.execPath,
        args: ['-e', 'process.exit(3)'],
        signal,
      }),
    ).rejects.toEqual(new BuildFailure('npm test exited with code 3 (in the build log below)'));
    // The first error line the command printed is quoted, npm's closing boilerplate skipped.
    const failed = runCommand({
      ...base,
      display: 'npm run build',
      command: process.execPath,
      args: [
        '-e',
        "console.log('building'); console.error('npm error code 2'); console.error('src/a.ts(1,7): error TS2322: Type string is not number'); console.error('Error: later'); process.exit(2)",
      ],
      signal,
    });
    await expect(failed).rejects.toMatchObject({
      message:
        'npm run build exited with code 2: src/a.ts(1,7): error TS2322: Type string is not number (in the build log below)',
      kind: 'command',
      firstError: 'src/a.ts(1,7): error TS2322: Type string is not number',
    });
    await expect(
      runCommand({ ...base, display: 'mvn package', command: 'wharf-no-such-program', args: [], signal }),
    ).rejects.toEqual(
      new BuildFailure(
        'mvn package could not start: wharf-no-such-program is not installed on this machine',
        'platform',
      ),
    );
    await expect(
      runCommand({
        ...base,
        timeoutMs: 300,
        display: 'slow',
        command: process.execPath,
        args: ['-e', 'setTimeout(() => {}, 10000)'],
        signal,
      }),
    ).rejects.toEqual(new BuildFailure('slow timed out after 0 s (in the build log below)'));
  });

  it('stops the whole process group when aborted', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const running = runCommand({
      ...base,
      display: 'sh',
      command: 'sh',
      args: ['-c', 'sleep 30 & echo started; wait'],
      signal: controller.signal,
      onLine: (line) => {
        lines.push(line);
        if (line === 'started') controller.abort();
      },
    });
    const started = Date.now();
    await expect(running).rejects.toBeInstanceOf(BuildCancelled);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
