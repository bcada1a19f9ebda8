import { describe, expect, it } from 'vitest';
import { COMMIT_MESSAGE_MAX, commitInfo, knownCommit } from './commit-info.ts';

describe('commitInfo', () => {
  it('keeps the first line of the message and the author, trimmed', () => {
    expect(commitInfo('6c6059f', 'Fix header\n\nLonger body', ' alice ')).toEqual({
      sha: '6c6059f',
      message: 'Fix header',
      author: 'alice',
    });
  });

  it('drops empty texts, replaces control characters and bounds a long subject', () => {
    expect(commitInfo('a1', '', null)).toEqual({ sha: 'a1' });
    expect(commitInfo('a1', 'tab\there\u001b[31m')).toEqual({ sha: 'a1', message: 'tab here [31m' });
    const long = commitInfo('a1', 'x'.repeat(5000)).message ?? '';
    expect(long).toHaveLength(COMMIT_MESSAGE_MAX);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('knownCommit', () => {
  it('prefers the full record for the same SHA, else the bare SHA', () => {
    const full = { sha: 'a1', message: 'Fix', author: 'alice' };
    expect(knownCommit(full, 'a1')).toBe(full);
    expect(knownCommit(full, undefined)).toBe(full);
    expect(knownCommit(full, 'b2')).toEqual({ sha: 'b2' });
    expect(knownCommit(undefined, 'b2')).toEqual({ sha: 'b2' });
    expect(knownCommit(undefined, undefined)).toBeUndefined();
  });
});
