import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jenkinsHints } from './hints.ts';
import { JenkinsErrors } from './jenkins-client.ts';

describe('jenkinsHints', () => {
  it('tells the user or operator what to do for every error the adapter throws (TransientError is generic)', () => {
    const names = Object.values(JenkinsErrors).filter((name) => name !== JenkinsErrors.transient);
    expect(Object.keys(jenkinsHints).sort()).toEqual([...names].sort());
    for (const hint of Object.values(jenkinsHints)) expect(hint).toMatch(/^[A-Z].{20,}\.$/);
  });

  it('the adapter names its errors only through JenkinsErrors, so none lacks a hint', () => {
    for (const file of ['jenkins-build-service.ts', 'jenkins-client.ts']) {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(source).not.toMatch(/jenkinsError\(\s*['"`]/);
    }
  });
});
