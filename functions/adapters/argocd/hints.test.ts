import { describe, expect, it } from 'vitest';
import { argoCdHints } from './hints.ts';

describe('argoCdHints', () => {
  it('say what to do for every error name the Argo CD adapter raises', () => {
    expect(Object.keys(argoCdHints).sort()).toEqual(
      ['ArgoCdUnauthorized', 'ArgoCdInvalidResponse', 'ArgoCdRequestFailed'].sort(),
    );
    for (const hint of Object.values(argoCdHints)) expect(hint).toMatch(/^[A-Z].{20,}\.$/);
  });
});
