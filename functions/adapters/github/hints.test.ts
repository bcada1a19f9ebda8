import { describe, expect, it } from 'vitest';
import { githubHints } from './hints.ts';

describe('githubHints', () => {
  it('say what to do for every error name the GitHub adapter raises', () => {
    expect(Object.keys(githubHints).sort()).toEqual(
      [
        'GitHubUnauthorized',
        'GitHubForbidden',
        'GitHubNotFound',
        'GitOpsRepositoryNotReady',
        'GitHubResponseInvalid',
        'GitHubRequestFailed',
        'GitOpsChangeRejected',
      ].sort(),
    );
    for (const hint of Object.values(githubHints)) expect(hint).toMatch(/^[A-Z].{20,}\.$/);
  });
});
