import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage } from '../../testing/harness.tsx';
import { ProjectEditPage } from './project-edit.tsx';

const PROJECTS = '/workspaces/w1/projects';
const PROJECT = `${PROJECTS}/p1`;
const storefront = {
  id: 'p1',
  workspaceId: 'w1',
  name: 'storefront',
  type: 'monolith',
  environments: ['production'],
  repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
  port: 3000,
  autoDeploy: false,
  replicas: 1,
  healthCheckPath: '/',
  env: [],
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 3,
  pipeline: [],
};
const ordersDb = { id: 'pdb', name: 'orders-db', type: 'database' };
const list = { items: [storefront, ordersDb, { id: 'pcache', name: 'cache', type: 'database' }] };

function open(routes = {}, project: object = storefront) {
  const user = userEvent.setup();
  const page = renderPage(<ProjectEditPage />, {
    path: '/w/:workspaceId/projects/:projectId/edit',
    url: '/w/w1/projects/p1/edit',
    routes: { [`GET ${PROJECT}`]: project, [`GET ${PROJECTS}`]: list, ...routes },
  });
  return { user, ...page, writes: () => page.calls.filter((c) => c.method !== 'GET') };
}

describe('the Databases section of the project edit page', () => {
  it('attaches a database of the workspace as DATABASE_URL', async () => {
    const { user, writes } = open({
      [`PATCH ${PROJECT}`]: ({ body }: { body: { databases: unknown } }) => ({
        ...storefront,
        databases: body.databases,
        revision: 4,
      }),
    });
    const attach = await screen.findByRole('button', { name: 'Attach a database' });
    await waitFor(() => expect(attach).toBeEnabled());
    await user.click(attach);
    const select = screen.getByLabelText('Database');
    // Only database projects are offered.
    expect([...(select as HTMLSelectElement).options].map((o) => o.text)).toEqual([
      'Choose a database…',
      'orders-db',
      'cache',
    ]);
    expect(screen.getByLabelText('Variable')).toHaveValue('DATABASE_URL');
    await user.selectOptions(select, 'pdb');
    await user.click(screen.getByRole('button', { name: 'Save databases' }));
    expect(await screen.findByText(/Databases saved/)).toBeInTheDocument();
    expect(writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: PROJECT,
        body: { databases: [{ projectId: 'pdb', env: 'DATABASE_URL' }] },
      }),
    ]);
  });

  it('detaches every database with null, and shows the API error next to the field', async () => {
    const bound = { ...storefront, databases: [{ projectId: 'pdb', env: 'DATABASE_URL' }] };
    let answer: () => unknown = () => {
      throw new ApiError(
        400,
        'project.database_env_taken',
        'databases.0.env must not be one of the project variables',
        'databases.0.env',
      );
    };
    const { user, writes } = open({ [`PATCH ${PROJECT}`]: () => answer() }, bound);
    expect(await screen.findByLabelText('Variable')).toHaveValue('DATABASE_URL');
    await user.click(screen.getByRole('button', { name: 'Save databases' }));
    expect(await screen.findByText(/must not be one of the project variables/)).toBeInTheDocument();
    expect(screen.getByLabelText('Variable')).toHaveAttribute('aria-invalid', 'true');
    answer = () => ({ ...storefront, revision: 4 });
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    await user.click(screen.getByRole('button', { name: 'Save databases' }));
    await waitFor(() => expect(writes().at(-1)?.body).toEqual({ databases: null }));
  });

  it('is not offered on a database project', async () => {
    open({}, { ...storefront, type: 'database', engine: 'postgres', version: '16', storage: '1Gi' });
    expect(await screen.findByRole('heading', { name: 'Edit storefront' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Databases' })).toBeNull();
  });
});
