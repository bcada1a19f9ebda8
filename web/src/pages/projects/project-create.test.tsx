import { DNS_LABEL_RULE } from '@shared/naming.ts';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage, testConfig } from '../../testing/harness.tsx';
import { ProjectCreatePage } from './project-create.tsx';

const PROJECTS = '/workspaces/w1/projects';

function open(routes = {}, url = '/w/w1/projects/new', config = testConfig()) {
  const user = userEvent.setup();
  const page = renderPage(<ProjectCreatePage />, {
    path: '/w/:workspaceId/projects/new',
    url,
    config,
    routes: { [`POST ${PROJECTS}`]: { id: 'p1', name: 'created' }, ...routes },
  });
  return { user, ...page, posts: () => page.calls.filter((c) => c.method === 'POST') };
}

describe('ProjectCreatePage', () => {
  it('shows the fields of each type', async () => {
    const { user } = open();
    // Monolith, the default.
    for (const label of [
      'Project name',
      'Repository URL',
      'Branch',
      'Port',
      'Health check path',
      'Replicas',
    ]) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
    expect(screen.getByLabelText('Custom domain (optional)')).toBeInTheDocument();
    expect(screen.getByLabelText(/Deploy automatically on every push to main/)).toBeInTheDocument();

    await user.click(screen.getByRole('radio', { name: /Database/ }));
    for (const label of ['Engine', 'Version', 'Storage'])
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    expect(screen.queryByLabelText('Repository URL')).toBeNull();

    await user.click(screen.getByRole('radio', { name: /Microservices/ }));
    for (const label of ['Repository URL', 'Service name', 'Folder', 'Entry']) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
    expect(screen.queryByLabelText('Engine')).toBeNull();
  });

  it('shows the shared schema message next to an invalid name, focuses it, and sends nothing', async () => {
    const { user, posts } = open();
    await user.type(screen.getByLabelText('Project name'), 'Store Front');
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    const name = screen.getByLabelText('Project name');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveFocus();
    expect(name).toHaveAccessibleDescription(expect.stringContaining(`Project name ${DNS_LABEL_RULE}`));
    // The other required fields are flagged too, each next to its control.
    expect(screen.getByLabelText('Repository URL')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Port')).toHaveAccessibleDescription(
      expect.stringContaining('Port is required'),
    );
    expect(posts()).toEqual([]);
  });

  it('sends exactly the monolith body and opens the new project', async () => {
    const { user, posts } = open();
    await user.type(screen.getByLabelText('Project name'), 'storefront');
    await user.type(screen.getByLabelText('Repository URL'), 'https://github.com/acme/storefront.git');
    await user.type(screen.getByLabelText('Port'), '3000');
    await user.type(screen.getByLabelText('Custom domain (optional)'), 'shop.example.com');
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    await user.keyboard('STRIPE_KEY');
    await user.click(screen.getByLabelText('Secret'));
    await user.type(screen.getByLabelText('Secret value'), 'sk_live_1');
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/w/w1/projects/p1'));
    expect(posts()).toHaveLength(1);
    expect(posts()[0]?.path).toBe(PROJECTS);
    expect(posts()[0]?.body).toEqual({
      name: 'storefront',
      type: 'monolith',
      repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
      port: 3000,
      domain: 'shop.example.com',
      autoDeploy: false,
      replicas: 1,
      healthCheckPath: '/',
      env: [{ name: 'STRIPE_KEY', value: 'sk_live_1', secret: true }],
    });
  });

  it('sends exactly the database body', async () => {
    const { user, posts } = open();
    await user.click(screen.getByRole('radio', { name: /Database/ }));
    await user.type(screen.getByLabelText('Project name'), 'orders-db');
    await user.selectOptions(screen.getByLabelText('Engine'), 'mysql');
    expect(screen.getByLabelText('Version')).toHaveValue('8.0');
    await user.clear(screen.getByLabelText('Storage'));
    await user.type(screen.getByLabelText('Storage'), '20Gi');
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]?.body).toEqual({
      name: 'orders-db',
      type: 'database',
      engine: 'mysql',
      version: '8.0',
      storage: '20Gi',
      env: [],
    });
  });

  it('sends exactly the microservices body, with one entry service', async () => {
    const { user, posts } = open();
    await user.click(screen.getByRole('radio', { name: /Microservices/ }));
    await user.type(screen.getByLabelText('Project name'), 'shop');
    await user.type(screen.getByLabelText('Repository URL'), 'https://github.com/acme/shop.git');
    await user.type(screen.getByLabelText('Service name'), 'gateway');
    await user.type(screen.getByLabelText('Folder'), 'gateway');
    await user.click(screen.getByRole('button', { name: 'Add service' }));
    expect(screen.getAllByLabelText('Service name')[1]).toHaveFocus();
    await user.keyboard('orders');
    await user.type(screen.getAllByLabelText('Folder')[1] as HTMLElement, 'services/orders');
    const ports = screen.getAllByLabelText('Port');
    await user.clear(ports[1] as HTMLElement);
    await user.type(ports[1] as HTMLElement, '8081');
    await user.click(screen.getByLabelText(/Deploy automatically/));
    expect(screen.getByText('http://localhost:8080/api/webhooks/github')).toBeInTheDocument();
    expect(screen.getByText(/Just the push event/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]?.body).toEqual({
      name: 'shop',
      type: 'microservices',
      repository: { url: 'https://github.com/acme/shop.git', branch: 'main' },
      services: [
        { name: 'gateway', path: 'gateway', port: 8080, entry: true },
        { name: 'orders', path: 'services/orders', port: 8081, entry: false },
      ],
      autoDeploy: true,
      env: [],
    });
  });

  it('shows a server 400 next to the field it names', async () => {
    const { user } = open({
      [`POST ${PROJECTS}`]: () => {
        throw new ApiError(
          409,
          'project.name_taken',
          'name storefront is already used by another project in this workspace',
          'name',
        );
      },
    });
    await user.type(screen.getByLabelText('Project name'), 'storefront');
    await user.type(screen.getByLabelText('Repository URL'), 'https://github.com/acme/storefront.git');
    await user.type(screen.getByLabelText('Port'), '3000');
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    const name = screen.getByLabelText('Project name');
    await waitFor(() => expect(name).toHaveAttribute('aria-invalid', 'true'));
    expect(name).toHaveAccessibleDescription(
      expect.stringContaining('Project name storefront is already used by another project in this workspace'),
    );
    expect(name).toHaveFocus();
    expect(screen.getByTestId('location')).toHaveTextContent('/w/w1/projects/new');
  });

  it('shows a server 400 on a nested field next to that field', async () => {
    const { user } = open({
      [`POST ${PROJECTS}`]: () => {
        throw new ApiError(400, 'request.invalid', 'repository.url must use https', 'repository.url');
      },
    });
    await user.type(screen.getByLabelText('Project name'), 'web');
    await user.type(screen.getByLabelText('Repository URL'), 'http://localhost:9/x.git');
    await user.type(screen.getByLabelText('Port'), '80');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Repository URL')).toHaveAccessibleDescription(
        expect.stringContaining('Repository URL must use https'),
      ),
    );
  });

  it('validates repository URLs by mode, as the API does', async () => {
    const { user, posts } = open({}, '/w/w1/projects/new', testConfig({ mode: 'cloud' }));
    await user.type(screen.getByLabelText('Project name'), 'web');
    await user.type(screen.getByLabelText('Repository URL'), 'http://localhost:8080/git/node-web.git');
    await user.type(screen.getByLabelText('Port'), '3000');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(screen.getByLabelText('Repository URL')).toHaveAccessibleDescription(
      expect.stringContaining('Repository URL must use https'),
    );
    expect(posts()).toEqual([]);
  });

  it('prefills the Node sample as a monolith (local mode)', async () => {
    const { user, posts } = open(
      {
        'GET /samples': {
          items: [
            {
              name: 'node-web',
              url: 'http://localhost:8080/git/node-web.git',
              description: 'A tiny Node.js web app',
            },
            {
              name: 'static-site',
              url: 'http://localhost:8080/git/static-site.git',
              description: 'A static site',
            },
          ],
        },
      },
      '/w/w1/projects/new?sample=node-web',
    );
    await waitFor(() => expect(screen.getByLabelText('Project name')).toHaveValue('node-web'));
    expect(screen.getByText(/Prefilled with the node-web sample/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]?.body).toEqual({
      name: 'node-web',
      type: 'monolith',
      repository: { url: 'http://localhost:8080/git/node-web.git', branch: 'main' },
      port: 3000,
      autoDeploy: false,
      replicas: 1,
      healthCheckPath: '/healthz',
      env: [],
    });
  });

  it('prefills the next free name when a project already has the sample name', async () => {
    const { calls } = open(
      {
        'GET /samples': {
          items: [{ name: 'node-web', url: 'http://localhost:8080/git/node-web.git', description: '' }],
        },
        [`GET ${PROJECTS}`]: {
          items: [{ name: 'node-web' }, { name: 'node-web-2' }, { name: 'my-node-web-3' }],
        },
      },
      '/w/w1/projects/new?sample=node-web',
    );
    await waitFor(() => expect(screen.getByLabelText('Project name')).toHaveValue('node-web-3'));
    expect(calls.find((c) => c.path === PROJECTS)?.query).toMatchObject({ q: 'node-web' });
  });
});
