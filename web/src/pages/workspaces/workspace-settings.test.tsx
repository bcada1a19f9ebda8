import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage } from '../../testing/harness.tsx';
import { WorkspaceSettings } from './workspace-settings.tsx';

const W = '/workspaces/w1';
const workspace = (role: 'owner' | 'member') => ({
  id: 'w1',
  name: 'payments',
  namespace: 'payments-w1',
  personal: false,
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  role,
  members: [
    { workspaceId: 'w1', userId: 'alice', role: 'owner', addedAt: '2025-01-01T00:00:00Z', addedBy: 'alice' },
    { workspaceId: 'w1', userId: 'bob', role: 'member', addedAt: '2025-01-02T00:00:00Z', addedBy: 'alice' },
  ],
});

function open(routes: Record<string, unknown>) {
  const user = userEvent.setup();
  const page = renderPage(<WorkspaceSettings />, {
    path: '/w/:workspaceId/settings',
    url: '/w/w1/settings',
    routes,
  });
  return { user, ...page, writes: () => page.calls.filter((c) => c.method !== 'GET') };
}

describe('WorkspaceSettings', () => {
  it('shows the namespace and the members', async () => {
    open({ [`GET ${W}`]: workspace('owner') });
    expect(await screen.findByRole('heading', { name: 'payments' })).toBeInTheDocument();
    expect(screen.getByText('payments-w1')).toBeInTheDocument();
    const table = screen.getByRole('table', { name: 'Members of payments' });
    expect(within(table).getByText('alice')).toBeInTheDocument();
    expect(within(table).getByText('bob')).toBeInTheDocument();
  });

  it('validates the user id with the shared schema before adding', async () => {
    const { user, writes } = open({ [`GET ${W}`]: workspace('owner') });
    await user.type(await screen.findByLabelText('User id'), 'bob smith');
    await user.click(screen.getByRole('button', { name: 'Add member' }));
    const field = screen.getByLabelText('User id');
    expect(field).toHaveFocus();
    expect(field).toHaveAccessibleDescription(
      expect.stringContaining('User id must be a user id (letters, digits and . _ @ | : -)'),
    );
    expect(writes()).toEqual([]);
  });

  it('adds a member and says so, or explains why not', async () => {
    let attempts = 0;
    const { user, writes } = open({
      [`GET ${W}`]: workspace('owner'),
      [`POST ${W}/members`]: () => {
        attempts += 1;
        if (attempts === 1) {
          throw new ApiError(
            404,
            'user.not_found',
            'No user carol has signed in to Wharf yet; ask them to sign in once first.',
          );
        }
        return {};
      },
    });
    await user.type(await screen.findByLabelText('User id'), 'carol');
    await user.click(screen.getByRole('button', { name: 'Add member' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('ask them to sign in once first.');

    await user.click(screen.getByRole('button', { name: 'Add member' }));
    expect(await screen.findByText('carol is now a member of this workspace.')).toBeInTheDocument();
    expect(writes().map((c) => c.body)).toEqual([
      { userId: 'carol', role: 'member' },
      { userId: 'carol', role: 'member' },
    ]);
  });

  it('removes a member only after confirming', async () => {
    const { user, writes } = open({
      [`GET ${W}`]: workspace('owner'),
      [`DELETE ${W}/members/bob`]: undefined,
    });
    await user.click(await screen.findByRole('button', { name: 'Remove bob' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove bob?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(writes()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Remove bob' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove member' }));
    await waitFor(() => expect(writes()).toMatchObject([{ method: 'DELETE', path: `${W}/members/bob` }]));
  });

  it('lets a member leave but not manage others', async () => {
    open({ [`GET ${W}`]: workspace('member') });
    expect(await screen.findByRole('button', { name: 'Leave this workspace' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove bob' })).toBeNull();
    expect(screen.queryByLabelText('User id')).toBeNull();
    expect(screen.getByText('Only an owner can add members.')).toBeInTheDocument();
  });
});
