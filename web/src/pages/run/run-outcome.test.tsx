import type { Run } from '@shared/deploy.ts';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { RunOutcome } from './run-outcome.tsx';

const failed: Run = {
  id: 'r1',
  workspaceId: 'w1',
  projectId: 'p1',
  projectName: 'shop',
  environment: 'production',
  kind: 'deploy',
  status: 'failed',
  trigger: 'user',
  requestedBy: 'alice',
  source: { repositoryUrl: 'https://github.com/acme/nope', branch: 'main' },
  steps: [],
  failureReason:
    "git could not clone https://github.com/acme/nope: fatal: repository 'https://github.com/acme/nope/' not found",
  hint: 'Check the repository URL and that Wharf can reach it (a private repository needs access granted), then deploy again.',
  hintField: 'repository.url',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:02Z',
};

const show = (run: Run) =>
  render(
    <MemoryRouter>
      <RunOutcome run={run} workspaceId="w1" projectId="p1" />
    </MemoryRouter>,
  );

describe('RunOutcome', () => {
  it('shows the reason, the hint, and a link to the project field to fix', () => {
    show(failed);
    expect(screen.getByRole('heading', { name: 'Why it failed' })).toBeTruthy();
    expect(screen.getByText(/fatal: repository 'https:\/\/github.com\/acme\/nope\/' not found/)).toBeTruthy();
    expect(screen.getByText(/Check the repository URL and that Wharf can reach it/)).toBeTruthy();
    const link = screen.getByRole('link', { name: 'Edit the repository URL' });
    expect(link.getAttribute('href')).toBe('/w/w1/projects/p1/edit#field-repository-url');
    // The log is below the outcome: the link says so.
    expect(screen.getByRole('link', { name: 'Go to the log below' }).getAttribute('href')).toBe('#run-log');
  });

  it('shows no field link when the fix is not a project setting', () => {
    show({ ...failed, hint: 'Not your code: the build platform failed.', hintField: undefined });
    expect(screen.queryByRole('link', { name: /^Edit the/ })).toBeNull();
  });
});
