import type { ConnectionView, CredentialsView, EnvironmentView, ProjectView } from '@shared/api.ts';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage } from '../../testing/harness.tsx';
import { DatabaseConnections } from './database-connection.tsx';

const CREDENTIALS = '/workspaces/w1/projects/pdb/credentials';
const connection: ConnectionView = {
  engine: 'postgres',
  host: 'orders-db.acme-w1.svc.cluster.local',
  port: 5432,
  database: 'orders_db',
  user: 'orders_db',
  secretRef: 'wharf/w1/pdb/production/database-password',
  command: 'psql "host=orders-db.acme-w1.svc.cluster.local port=5432 dbname=orders_db user=orders_db"',
  local: {
    host: '127.0.0.1',
    port: 41234,
    command: 'psql "host=127.0.0.1 port=41234 dbname=orders_db user=orders_db"',
  },
};
const production = {
  name: 'production',
  namespace: 'acme-w1',
  host: connection.host,
  liveUrl: 'postgres://orders-db.acme-w1.svc.cluster.local:5432',
  env: [],
  trigger: 'push',
  tagPattern: 'v*.*.*',
  requiresApproval: false,
  connection,
} as EnvironmentView;
const database = {
  id: 'pdb',
  workspaceId: 'w1',
  name: 'orders-db',
  type: 'database',
  engine: 'postgres',
  version: '16',
  storage: '1Gi',
  environments: ['production'],
  env: [],
  createdBy: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  revision: 1,
  namespaces: { production: 'acme-w1' },
  pipeline: [production],
} as ProjectView;
const revealed: CredentialsView = {
  environment: 'production',
  engine: 'postgres',
  user: 'orders_db',
  database: 'orders_db',
  password: 'Zr8u2PqW',
  url: 'postgresql://orders_db:Zr8u2PqW@orders-db.acme-w1.svc.cluster.local:5432/orders_db',
  localUrl: 'postgresql://orders_db:Zr8u2PqW@127.0.0.1:41234/orders_db',
  version: 1,
};

function open(routes = {}, project: ProjectView = database) {
  const user = userEvent.setup();
  const writeText = vi.fn(async () => {});
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  const page = renderPage(<DatabaseConnections project={project} />, { routes });
  return { user, writeText, ...page };
}

describe('DatabaseConnections', () => {
  it('shows host, port, database, user and the client commands, and copies them; nothing secret yet', async () => {
    const { user, writeText, sent } = open();
    const section = screen.getByRole('region', { name: 'production' });
    for (const text of [
      connection.host,
      '5432',
      'orders_db',
      connection.command,
      connection.local?.command ?? '',
    ]) {
      expect(within(section).getAllByText(text).length).toBeGreaterThan(0);
    }
    await user.click(within(section).getByRole('button', { name: 'Copy command' }));
    expect(writeText).toHaveBeenCalledWith(connection.command);
    await user.click(within(section).getByRole('button', { name: 'Copy local command' }));
    expect(writeText).toHaveBeenLastCalledWith(connection.local?.command);
    expect(sent()).toEqual([]);
    expect(document.body.textContent).not.toContain('postgresql://');
  });

  it('reveals the connection URL on request, copies it, and hides it again', async () => {
    const { user, writeText, sent } = open({ [`GET ${CREDENTIALS}`]: revealed });
    await user.click(screen.getByRole('button', { name: 'Reveal' }));
    expect(await screen.findByText(revealed.url)).toBeInTheDocument();
    expect(screen.getByText(revealed.localUrl as string)).toBeInTheDocument();
    expect(sent()).toEqual([
      expect.objectContaining({ path: CREDENTIALS, query: { environment: 'production' } }),
    ]);
    await user.click(screen.getByRole('button', { name: 'Copy URL' }));
    expect(writeText).toHaveBeenCalledWith(revealed.url);
    await user.click(screen.getByRole('button', { name: 'Hide' }));
    expect(screen.queryByText(revealed.url)).toBeNull();
  });

  it('says why a reveal failed', async () => {
    open({
      [`GET ${CREDENTIALS}`]: () => {
        throw new ApiError(404, 'workspace.not_found', 'No workspace w1 is visible to you.');
      },
    });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Reveal' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('No workspace w1 is visible to you.');
  });

  it('rotates the password only after the confirmation, and says which run restarts the database', async () => {
    const rotate = vi.fn(() => ({ environment: 'production', version: 2, rotatedAt: 'x', runId: 'r42' }));
    const { user } = open({ [`POST ${CREDENTIALS}/rotate`]: rotate, [`GET ${CREDENTIALS}`]: revealed });
    await user.click(screen.getByRole('button', { name: 'Reveal' }));
    await screen.findByText(revealed.url);
    await user.click(screen.getByRole('button', { name: 'Rotate password' }));
    const dialog = await screen.findByRole('dialog', { name: 'Rotate the production password?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(rotate).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Rotate password' }));
    await user.click(
      within(await screen.findByRole('dialog')).getByRole('button', { name: 'Rotate password' }),
    );
    await waitFor(() =>
      expect(rotate).toHaveBeenCalledWith(expect.objectContaining({ body: { environment: 'production' } })),
    );
    expect(await screen.findByText(/Password rotated \(version 2\)\. Run r42 restarts/)).toBeInTheDocument();
    // The URL shown before has the old password: it goes.
    expect(screen.queryByText(revealed.url)).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('renders nothing for other project types', () => {
    const { container } = open({}, { ...database, type: 'monolith' } as unknown as ProjectView);
    expect(container.querySelector('section')).toBeNull();
  });
});
