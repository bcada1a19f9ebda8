import { describe, expect, it } from 'vitest';
import { classifyFailure, firstErrorLine } from './build-failure.ts';

describe('firstErrorLine', () => {
  it('finds the first line the usual tools print for an error', () => {
    expect(firstErrorLine(['> build', 'npm ERR! Missing script: "build"', 'npm ERR! A complete log'])).toBe(
      'npm ERR! Missing script: "build"',
    );
    expect(firstErrorLine(['Cloning into src...', "fatal: repository 'https://x/y.git/' not found"])).toBe(
      "fatal: repository 'https://x/y.git/' not found",
    );
    expect(firstErrorLine(['  at x', 'TypeError: Cannot read properties of undefined'])).toBe(
      'TypeError: Cannot read properties of undefined',
    );
    expect(firstErrorLine(['error[E0308]: mismatched types'])).toBe('error[E0308]: mismatched types');
  });

  it("prefers the tool's own words to npm's closing lines, and ignores lines that only mention errors", () => {
    expect(
      firstErrorLine([
        'compiled with 0 errors',
        'npm error code 1',
        'src/a.ts(3,1): error TS1005: ; expected',
      ]),
    ).toBe('src/a.ts(3,1): error TS1005: ; expected');
    expect(firstErrorLine(['npm error code 1', 'npm error path /x'])).toBe('npm error code 1');
    expect(firstErrorLine(['all good', 'compiled with 0 errors'])).toBeUndefined();
  });
});

describe('classifyFailure', () => {
  it('tells the repository, the branch, the platform and the user’s command apart', () => {
    expect(
      classifyFailure(
        "remote: Repository not found.\nfatal: repository 'https://github.com/a/b.git/' not found",
      ),
    ).toBe('source');
    expect(classifyFailure('fatal: unable to access: Could not resolve host: github.example')).toBe('source');
    expect(classifyFailure('fatal: Remote branch nope not found in upstream origin')).toBe('branch');
    expect(classifyFailure('Error: writing blob: no space left on device')).toBe('platform');
    expect(classifyFailure('npm ERR! Missing script: "build"')).toBe('command');
  });
});
