import type { EnvironmentView } from '@shared/api.ts';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage } from '../../testing/harness.tsx';
import { EnvironmentSettingsPage } from './environment-settings.tsx';

const base = '/workspaces/w1/projects/p1';
const view: EnvironmentView = {
  name: 'production',
  namespace: 'alice-w1',
  host: 'shop-alice.localhost',
  liveUrl: 'http://shop-alice.localhost:8080/',
  domain: 'shop.example.com',
  replicas: 2,
  env: [
    { name: 'LOG_LEVEL', value: 'warn', secret: false },
    { name: 'API_KEY', secret: true, set: true },
  ],
  trigger: 'tag',
  tagPattern: 'v*.*.*',
  requiresApproval: false,
};
const project = {
  id: 'p1',
  workspaceId: 'w1',
  name: 'shop',
  type: 'monolith',
  environments: ['staging', 'production'],
  env: [],
  repository: { url: 'https://github.com/acme/shop', branch: 'main' },
  port: 8080,
  autoDeploy: true,
  replicas: 1,
  healthCheckPath: '/',
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 1,
  namespaces: {},
  pipeline: [],
};

function open(
  patch: (request: { body: unknown }) => unknown = ({ body }) => ({ ...view, ...(body as object) }),
  shown: EnvironmentView = view,
) {
  return renderPage(<EnvironmentSettingsPage />, {
    path: '/w/:workspaceId/projects/:projectId/environments/:environment',
    url: '/w/w1/projects/p1/environments/production',
    routes: {
      [`GET ${base}`]: project,
      [`GET ${base}/environments/production`]: shown,
      [`PATCH ${base}/environments/production`]: patch,
    },
  });
}

describe('EnvironmentSettingsPage', () => {
  it('starts from the stored settings and sends only what changed', async () => {
    const user = userEvent.setup();
    const { sent } = open();
    expect(await screen.findByRole('heading', { name: 'production settings', level: 1 })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Auto-deploy' })).toHaveValue('tag');
    expect(screen.getByRole('textbox', { name: 'Tag pattern' })).toHaveValue('v*.*.*');
    expect(screen.getByRole('textbox', { name: 'Replicas' })).toHaveValue('2');

    await user.click(screen.getByRole('checkbox', { name: 'Requires approval' }));
    await user.clear(screen.getByRole('textbox', { name: 'Custom domain (optional)' }));
    await user.click(screen.getByRole('checkbox', { name: 'Autoscaling' }));
    await user.clear(screen.getByRole('textbox', { name: 'Maximum replicas' }));
    await user.type(screen.getByRole('textbox', { name: 'Maximum replicas' }), '6');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByText(/Changes saved/)).toHaveFocus();
    const patch = sent().find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({
      domain: null,
      autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 80 },
      requiresApproval: true,
    });
  });

  it('sends the trigger and the overrides, keeping a stored secret by name', async () => {
    const user = userEvent.setup();
    const { sent } = open();
    await user.selectOptions(await screen.findByRole('combobox', { name: 'Auto-deploy' }), 'manual');
    expect(screen.queryByRole('textbox', { name: 'Tag pattern' })).not.toBeInTheDocument();
    await user.clear(screen.getAllByRole('textbox', { name: 'Value' })[0] as HTMLElement);
    await user.type(screen.getAllByRole('textbox', { name: 'Value' })[0] as HTMLElement, 'debug');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByText(/Changes saved/);
    expect(sent().find((c) => c.method === 'PATCH')?.body).toEqual({
      trigger: 'manual',
      env: [
        { name: 'LOG_LEVEL', value: 'debug', secret: false },
        { name: 'API_KEY', secret: true },
      ],
    });
  });

  it('shows a server 400 next to the field it names', async () => {
    const user = userEvent.setup();
    open(() => {
      throw new ApiError(400, 'validation', 'tagPattern must not contain spaces', 'tagPattern');
    });
    const pattern = await screen.findByRole('textbox', { name: 'Tag pattern' });
    await user.type(pattern, ' x');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Tag pattern must not contain spaces')).toBeInTheDocument();
    await waitFor(() => expect(pattern).toHaveFocus());
    expect(pattern).toHaveAttribute('aria-invalid', 'true');
    expect(pattern).toHaveAccessibleDescription(
      expect.stringContaining('Tag pattern must not contain spaces'),
    );
  });

  it('names a bad domain by its label without "(optional)"', async () => {
    const user = userEvent.setup();
    open(() => {
      throw new ApiError(400, 'validation', 'domain must be a hostname such as app.example.com', 'domain');
    });
    const domain = await screen.findByRole('textbox', { name: 'Custom domain (optional)' });
    await user.clear(domain);
    await user.type(domain, 'shop.example.com:8443');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(
      await screen.findByText('Custom domain must be a hostname such as app.example.com'),
    ).toBeInTheDocument();
    expect(screen.queryByText(/\(optional\) must/)).not.toBeInTheDocument();
  });

  it('shows the CNAME to create, with copy buttons, whether it resolves, and the platform URL that keeps serving', async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    open(undefined, {
      ...view,
      platformUrl: 'http://shop-alice.localhost:8080/',
      domainCheck: {
        record: { type: 'CNAME', name: 'shop.example.com', value: 'localhost' },
        resolves: false,
      },
    });
    expect(
      await screen.findByText('shop.example.com does not resolve to the platform yet', { exact: false }),
    ).toBeInTheDocument();
    expect(screen.getByText('CNAME', { selector: 'code' })).toBeInTheDocument();
    expect(screen.getByText('http://shop-alice.localhost:8080/')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Copy record value' }));
    expect(writeText).toHaveBeenCalledWith('localhost');
  });

  it('sends nothing when nothing changed, and says so', async () => {
    const user = userEvent.setup();
    const { sent } = open();
    await user.click(await screen.findByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Nothing changed');
    expect(sent().some((c) => c.method === 'PATCH')).toBe(false);
  });

  it('checks numbers before sending', async () => {
    const user = userEvent.setup();
    const { sent } = open();
    const replicas = await screen.findByRole('textbox', { name: 'Replicas' });
    await user.clear(replicas);
    await user.type(replicas, 'two');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Replicas must be a whole number')).toBeInTheDocument();
    expect(sent().some((c) => c.method === 'PATCH')).toBe(false);
  });
});
