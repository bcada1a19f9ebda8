import { describe, expect, it } from 'vitest';
import { diffLines, nameChanges } from './line-diff.ts';

describe('diffLines', () => {
  it('marks changed lines as removed then added, keeping the rest', () => {
    const before = 'image: app:r2\nreplicas: 2\nport: 8080\n';
    const after = 'image: app:r1\nreplicas: 2\nport: 8080\n';
    expect(diffLines(before, after)).toEqual([
      { kind: 'removed', text: 'image: app:r2' },
      { kind: 'added', text: 'image: app:r1' },
      { kind: 'same', text: 'replicas: 2' },
      { kind: 'same', text: 'port: 8080' },
    ]);
  });

  it('finds lines added and removed in the middle', () => {
    const diff = diffLines('a\nb\nc\nd', 'a\nc\nx\nd');
    expect(diff).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'same', text: 'c' },
      { kind: 'added', text: 'x' },
      { kind: 'same', text: 'd' },
    ]);
  });

  it('handles empty sides and identical texts', () => {
    expect(diffLines('', 'a\n')).toEqual([{ kind: 'added', text: 'a' }]);
    expect(diffLines('a', '')).toEqual([{ kind: 'removed', text: 'a' }]);
    expect(diffLines('a\nb', 'a\nb\n').every((l) => l.kind === 'same')).toBe(true);
  });
});

describe('nameChanges', () => {
  it('lists names added and removed', () => {
    expect(nameChanges(['A', 'B', 'C'], ['B', 'D', 'A'])).toEqual({ added: ['D'], removed: ['C'] });
  });
});
