import type { BackupView } from '@shared/api.ts';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../api/client.ts';
import { ApiError } from '../../api/client.ts';
import { ServicesProvider } from '../../api/context.tsx';
import type { WebConfig } from '../../config.ts';
import { BACKUP_POLL_MS, BackupsSection, formatBytes } from './backups-section.tsx';

const W = 'wabc1234';
const P = 'pdb';
const path = `/workspaces/${W}/projects/${P}/backups`;
const backup = (id: string, createdAt: string, sizeBytes = 2048): BackupView => ({
  id,
  environment: 'production',
  createdAt,
  sizeBytes,
  location: `.wharf/backups/${W}/${P}/production/${id}`,
});

function fakeApi(options: { items: BackupView[]; onPost?: () => void; failPost?: ApiError }) {
  const calls: Array<{ method: string; path: string; body?: unknown }> = [];
  const api: ApiClient = {
    async request<T>(method: string, p: string, opts: { body?: unknown } = {}): Promise<T> {
      calls.push({ method, path: p, body: opts.body });
      if (p !== path) throw new ApiError(404, 'not_found', `no fake for ${p}`);
      if (method === 'GET') return { items: [...options.items] } as T;
      if (options.failPost) throw options.failPost;
      options.onPost?.();
      return {
        environment: 'production',
        cronJob: 'db-backup',
        requestedAt: '2026-12-04T09:00:00.000Z',
      } as T;
    },
  };
  return { api, calls };
}

const renderSection = (api: ApiClient, backupSettings?: { schedule: string; retain: number }) =>
  render(
    <ServicesProvider services={{ api, config: { apiUrl: '/api', mode: 'local' } as WebConfig }}>
      <BackupsSection workspaceId={W} projectId={P} backup={backupSettings} />
    </ServicesProvider>,
  );

describe('BackupsSection', () => {
  it('lists the backups newest first with size and location, and the schedule', async () => {
    const { api } = fakeApi({
      items: [
        backup('20261204T030000Z.sql.gz', '2026-12-04T03:00:00.000Z', 3 * 1024 * 1024),
        backup('20261203T030000Z.sql.gz', '2026-12-03T03:00:00.000Z', 512),
      ],
    });
    renderSection(api, { schedule: '30 2 * * *', retain: 14 });
    const rows = await screen.findAllByRole('row');
    expect(rows[1]).toHaveTextContent('2026-12-04T03:00:00.000Z');
    expect(rows[1]).toHaveTextContent('3.0 MB');
    expect(rows[1]).toHaveTextContent(`.wharf/backups/${W}/${P}/production/20261204T030000Z.sql.gz`);
    expect(rows[2]).toHaveTextContent('512 B');
    expect(screen.getByText('30 2 * * *')).toBeInTheDocument();
    expect(screen.getByText(/the last 14 are kept/)).toBeInTheDocument();
  });

  it('backs up now and reads the list again until the new dump is there', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const items = [backup('20261203T030000Z.sql.gz', '2026-12-03T03:00:00.000Z')];
      const { api, calls } = fakeApi({ items });
      renderSection(api);
      expect(await screen.findByText('0 3 * * *')).toBeInTheDocument();
      await userEvent.click(await screen.findByRole('button', { name: 'Back up now' }));
      expect(calls).toContainEqual({ method: 'POST', path, body: {} });
      expect(await screen.findByRole('status')).toHaveTextContent(/Backup started/);
      expect(screen.getByRole('button', { name: 'Back up now' })).toBeDisabled();
      // The Job's dump lands; the next read shows it and the wait ends.
      items.unshift(backup('20261204T091500Z.sql.gz', '2026-12-04T09:15:00.000Z'));
      await act(() => vi.advanceTimersByTimeAsync(BACKUP_POLL_MS + 100));
      await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(3));
      await waitFor(() => expect(screen.queryByRole('status')).not.toBeInTheDocument());
      expect(screen.getByRole('button', { name: 'Back up now' })).toBeEnabled();
    } finally {
      vi.useRealTimers();
    }
  });

  it('says why when production was never deployed', async () => {
    const { api } = fakeApi({
      items: [],
      failPost: new ApiError(
        409,
        'backup.not_deployed',
        'db has no production release yet, so there is nothing to back up: deploy production first.',
      ),
    });
    renderSection(api);
    expect(await screen.findByText(/No backups yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Back up now' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/deploy production first/);
  });

  it('formats sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GB');
  });
});
