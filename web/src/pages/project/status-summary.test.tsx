import type { EnvironmentView, ProjectView } from '@shared/api.ts';
import type { Run } from '@shared/deploy.ts';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { renderPage } from '../../testing/harness.tsx';
import { StatusSummary } from './status-summary.tsx';

const W = 'wabc1234';
const P = 'pshop';
const runsPath = `/workspaces/${W}/projects/${P}/deployments`;

const environment = (
  name: 'staging' | 'production',
  fields: Partial<EnvironmentView> = {},
): EnvironmentView => ({
  name,
  namespace: `acme-${name}`,
  host: `shop-${name}.localhost`,
  liveUrl: `http://shop-${name}.localhost:8080/`,
  env: [],
  trigger: 'push',
  tagPattern: 'v*.*.*',
  requiresApproval: false,
  ...fields,
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const project = (pipeline: EnvironmentView[]) =>
  ({
    id: P,
    workspaceId: W,
    name: 'shop',
    type: 'monolith',
    environments: pipeline.map((e) => e.name),
    pipeline,
  }) as unknown as ProjectView;

const run = (id: string, status: Run['status'], environment: Run['environment'] = 'production'): Run => ({
  id,
  workspaceId: W,
  projectId: P,
  projectName: 'shop',
  environment,
  kind: 'deploy',
  status,
  trigger: 'user',
  requestedBy: 'alice',
  executionArn: `arn:aws:states:local:0:execution:DeployProject:${id}`,
  steps: [],
  createdAt: minutesAgo(1),
  updatedAt: minutesAgo(1),
});

const live = environment('production', {
  currentRelease: {
    id: 'rel3',
    number: 3,
    kind: 'deploy',
    image: { reference: 'registry.local/wharf/shop:r3', digest: 'sha256:3' },
    sourceCommit: '6c6059f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6',
    commit: {
      sha: '6c6059f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6',
      message: 'Fix header',
      author: 'Alice Example',
    },
    createdAt: minutesAgo(5),
    createdBy: 'alice',
  },
});

function show(
  pipeline: EnvironmentView[],
  runs: Run[] = [],
  {
    liveStatus = {},
    routes = {},
  }: { liveStatus?: Record<string, Run['status']>; routes?: Record<string, unknown> } = {},
) {
  const onCancelled = vi.fn();
  const page = renderPage(
    <StatusSummary project={project(pipeline)} runs={runs} live={liveStatus} onCancelled={onCancelled} />,
    { routes, withMe: false },
  );
  return { ...page, onCancelled };
}

describe('StatusSummary', () => {
  it('shows each environment’s live release (number, short SHA, message, author, age) and its URL, or "Not deployed yet"', () => {
    show([environment('staging'), live]);
    const production = screen.getByRole('listitem', { name: 'production' });
    expect(production).toHaveTextContent(
      'Release #3 · 6c6059f “Fix header” · by Alice Example · 5 minutes ago',
    );
    expect(within(production).getByRole('link', { name: /shop-production\.localhost:8080/ })).toHaveAttribute(
      'href',
      'http://shop-production.localhost:8080/',
    );
    const staging = screen.getByRole('listitem', { name: 'staging' });
    expect(staging).toHaveTextContent('Not deployed yet');
    expect(within(staging).queryByRole('link')).not.toBeInTheDocument();
    expect(screen.queryByText('Deploying now')).not.toBeInTheDocument();
  });

  it('falls back to the release’s source commit and who made it when the commit details are unknown', () => {
    const release = live.currentRelease as NonNullable<EnvironmentView['currentRelease']>;
    const { commit: _, ...bare } = release;
    show([environment('production', { currentRelease: { ...bare, sourceCommit: 'abcdef0123456789' } })]);
    expect(screen.getByRole('listitem', { name: 'production' })).toHaveTextContent(
      'Release #3 · abcdef0 · by alice · 5 minutes ago',
    );
  });

  it('while a run is active: "Deploying now" with its step (live status first) and a link to watch it', () => {
    show(
      [environment('staging'), live],
      [run('r000000002', 'queued'), run('r000000001', 'deployed', 'staging')],
      {
        liveStatus: { r000000002: 'pushing' },
      },
    );
    const production = screen.getByRole('listitem', { name: 'production' });
    const status = within(production).getByRole('status');
    expect(status).toHaveTextContent('Deploying now');
    expect(status).toHaveTextContent('Pushing image');
    expect(within(status).getByRole('link', { name: 'Watch run r000000002' })).toHaveAttribute(
      'href',
      `/w/${W}/projects/${P}/runs/r000000002`,
    );
    expect(within(screen.getByRole('listitem', { name: 'staging' })).queryByRole('status')).toBeNull();
  });

  it('a run that ended (heard live) is no longer shown as deploying', () => {
    show([live], [run('r000000002', 'building')], { liveStatus: { r000000002: 'cancelled' } });
    expect(screen.queryByText('Deploying now')).not.toBeInTheDocument();
  });

  it('Cancel asks first; "Keep running" sends nothing; "Cancel run" posts the cancel and reports the run', async () => {
    const user = userEvent.setup();
    const cancelled = { ...run('r000000002', 'building'), cancellation: { by: 'alice', at: minutesAgo(0) } };
    const { sent, onCancelled } = show([live], [run('r000000002', 'building')], {
      routes: { [`POST ${runsPath}/r000000002/cancel`]: cancelled },
    });

    await user.click(screen.getByRole('button', { name: 'Cancel run r000000002' }));
    let dialog = screen.getByRole('dialog', { name: 'Cancel run r000000002?' });
    expect(dialog).toHaveTextContent('Release #3 stays live in production.');
    await user.click(within(dialog).getByRole('button', { name: 'Keep running' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(sent()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Cancel run r000000002' }));
    dialog = screen.getByRole('dialog', { name: 'Cancel run r000000002?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel run' }));
    await waitFor(() => expect(onCancelled).toHaveBeenCalledWith(cancelled));
    expect(sent()).toEqual([
      { method: 'POST', path: `${runsPath}/r000000002/cancel`, body: {}, query: undefined },
    ]);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('a cancel the API refuses (the run just ended) says why in the dialog', async () => {
    const user = userEvent.setup();
    const { onCancelled } = show([live], [run('r000000002', 'syncing')], {
      routes: {
        [`POST ${runsPath}/r000000002/cancel`]: () => {
          throw new ApiError(
            409,
            'run.finished',
            'Run r000000002 has already ended (deployed): there is nothing to cancel.',
          );
        },
      },
    });
    await user.click(screen.getByRole('button', { name: 'Cancel run r000000002' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel run r000000002?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel run' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('has already ended (deployed)');
    expect(onCancelled).not.toHaveBeenCalled();
  });
});
