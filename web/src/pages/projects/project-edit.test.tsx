import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage } from '../../testing/harness.tsx';
import { ProjectEditPage } from './project-edit.tsx';

const PROJECT = '/workspaces/w1/projects/p1';
const storefront = {
  id: 'p1',
  workspaceId: 'w1',
  name: 'storefront',
  type: 'monolith',
  environments: ['production'],
  repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
  port: 3000,
  domain: 'shop.example.com',
  autoDeploy: false,
  replicas: 2,
  healthCheckPath: '/healthz',
  env: [
    { name: 'NODE_ENV', secret: false, value: 'production' },
    { name: 'STRIPE_KEY', secret: true, set: true },
  ],
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 3,
};

function open(routes = {}, hash = '') {
  const user = userEvent.setup();
  const page = renderPage(<ProjectEditPage />, {
    path: '/w/:workspaceId/projects/:projectId/edit',
    url: `/w/w1/projects/p1/edit${hash}`,
    routes: { [`GET ${PROJECT}`]: storefront, ...routes },
  });
  return { user, ...page, writes: () => page.calls.filter((c) => c.method !== 'GET') };
}

describe('ProjectEditPage', () => {
  it('fills the form from the project, without any secret value', async () => {
    const { container } = open();
    expect(await screen.findByRole('heading', { name: 'Edit storefront' })).toBeInTheDocument();
    expect(screen.queryByLabelText('Project name')).toBeNull();
    expect(screen.getByLabelText('Port')).toHaveValue('3000');
    expect(screen.getByLabelText('Replicas')).toHaveValue('2');
    expect(screen.getByLabelText('Custom domain (optional)')).toHaveValue('shop.example.com');
    expect(screen.getByText('•••• set')).toBeInTheDocument();
    const inputs = [...container.querySelectorAll('input')].filter((i) => i.type !== 'checkbox');
    expect(inputs.some((i) => i.type === 'password')).toBe(false);
  });

  it("lands on the field a failed run's hint links to", async () => {
    open({}, '#field-repository-url');
    await screen.findByRole('heading', { name: 'Edit storefront' });
    expect(document.activeElement?.id).toBe('field-repository-url');
  });

  it('removes the custom domain when its field is emptied', async () => {
    const { user, writes } = open({
      [`PATCH ${PROJECT}`]: () => ({ ...storefront, revision: 4 }),
    });
    await user.clear(await screen.findByLabelText('Custom domain (optional)'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText(/Changes saved/)).toBeInTheDocument();
    expect(writes()[0]?.body).toEqual({ domain: null });
  });

  it('sends only what changed, and a kept secret without a value', async () => {
    const { user, writes } = open({
      [`PATCH ${PROJECT}`]: ({ body }: { body: Record<string, unknown> }) => ({
        ...storefront,
        ...body,
        revision: 4,
      }),
    });
    const replicas = await screen.findByLabelText('Replicas');
    await user.clear(replicas);
    await user.type(replicas, '3');
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    await user.keyboard('LOG_LEVEL');
    await user.type(screen.getAllByLabelText('Value')[1] as HTMLElement, 'info');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByText(/Changes saved/)).toBeInTheDocument();
    expect(writes()).toHaveLength(1);
    expect(writes()[0]?.body).toEqual({
      replicas: 3,
      env: [
        { name: 'NODE_ENV', value: 'production', secret: false },
        { name: 'STRIPE_KEY', secret: true },
        { name: 'LOG_LEVEL', value: 'info', secret: false },
      ],
    });
  });

  it('says so when nothing changed', async () => {
    const { user, writes } = open();
    await user.click(await screen.findByRole('button', { name: 'Save changes' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Nothing changed');
    expect(writes()).toEqual([]);
  });

  it('shows a server field error next to the field', async () => {
    const { user } = open({
      [`PATCH ${PROJECT}`]: () => {
        throw new ApiError(400, 'request.invalid', 'port must be an integer from 1 to 65535', 'port');
      },
    });
    const port = await screen.findByLabelText('Port');
    await user.clear(port);
    await user.type(port, '8080');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() =>
      expect(port).toHaveAccessibleDescription(
        expect.stringContaining('Port must be an integer from 1 to 65535'),
      ),
    );
  });

  it('deletes only after the project name is typed, with ?confirm=<name>', async () => {
    const { user, writes } = open({ [`DELETE ${PROJECT}`]: undefined });
    await user.click(await screen.findByRole('button', { name: 'Delete project…' }));
    const confirm = screen.getByLabelText('Type storefront to confirm');
    expect(confirm).toHaveFocus();
    const remove = screen.getByRole('button', { name: 'Delete storefront' });
    expect(remove).toBeDisabled();
    await user.type(confirm, 'storefron');
    expect(remove).toBeDisabled();
    await user.type(confirm, 't');
    expect(remove).toBeEnabled();
    await user.click(remove);

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/w\/w1$/));
    expect(writes()).toEqual([
      { method: 'DELETE', path: PROJECT, body: undefined, query: { confirm: 'storefront' } },
    ]);
  });
});
