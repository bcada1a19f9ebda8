import type { LogLine, Run } from '@shared/deploy.ts';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { type ApiClient, ApiError } from '../../api/client.ts';
import { ServicesProvider } from '../../api/context.tsx';
import { type Auth, StaticAuthProvider } from '../../auth/auth.tsx';
import type { WebConfig } from '../../config.ts';
import type { SocketLike } from '../../live/live-client.ts';
import { LiveProvider } from '../../live/live-context.tsx';
import { ExecutionLink, executionConsoleUrl } from './execution-link.tsx';
import RunPage from './run-page.tsx';
import { timelineOf } from './step-timeline.tsx';

const W = 'wabc1234';
const P = 'pshop';
const R = 'r0000000042';
const base = `/workspaces/${W}/projects/${P}/deployments/${R}`;
const ARN = `arn:aws:states:eu-west-1:123456789012:execution:DeployProject:${R}`;

const line = (seq: number): LogLine => ({
  seq,
  at: '2025-01-01T00:00:00Z',
  stream: 'build',
  text: `output ${seq}`,
});
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));

const building: Run = {
  id: R,
  workspaceId: W,
  projectId: P,
  projectName: 'shop',
  environment: 'production',
  kind: 'deploy',
  status: 'building',
  trigger: 'user',
  requestedBy: 'alice',
  source: { repositoryUrl: 'https://github.com/acme/shop', branch: 'main' },
  commit: { sha: '6c6059f0a1b2c3d4e5f60718293a4b5c6d7e8f90', message: 'Fix header', author: 'alice' },
  executionArn: ARN,
  steps: [
    {
      name: 'queue',
      status: 'succeeded',
      startedAt: '2025-01-01T00:00:00Z',
      endedAt: '2025-01-01T00:00:02Z',
    },
    { name: 'build', status: 'running', startedAt: '2025-01-01T00:00:02Z' },
  ],
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:02Z',
};
const failedSteps: Run['steps'] = [
  { name: 'queue', status: 'succeeded', startedAt: '2025-01-01T00:00:00Z', endedAt: '2025-01-01T00:00:02Z' },
  { name: 'build', status: 'failed', startedAt: '2025-01-01T00:00:02Z', endedAt: '2025-01-01T00:01:07Z' },
];

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  sent: unknown[] = [];
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(message: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }
}

const auth: Auth = {
  user: { id: 'alice', name: 'Alice' },
  loading: false,
  accessToken: async () => 'tok-1',
  signIn: async () => undefined,
  signOut: async () => undefined,
};

function renderRun(api: ApiClient, mode: WebConfig['mode'] = 'local') {
  const sockets: FakeSocket[] = [];
  const config = {
    issuer: 'http://x',
    clientId: 'c',
    apiUrl: '/api',
    webSocketUrl: 'ws://wharf.test/ws',
    mode,
  } as WebConfig;
  render(
    <ServicesProvider services={{ api, config }}>
      <StaticAuthProvider auth={auth}>
        <LiveProvider
          createSocket={(url) => {
            const socket = new FakeSocket(url);
            sockets.push(socket);
            return socket;
          }}
        >
          <MemoryRouter initialEntries={[`/w/${W}/projects/${P}/runs/${R}`]}>
            <Routes>
              <Route path="/w/:workspaceId/projects/:projectId/runs/:runId" element={<RunPage />} />
            </Routes>
          </MemoryRouter>
        </LiveProvider>
      </StaticAuthProvider>
    </ServicesProvider>,
  );
  return sockets;
}

describe('RunPage', () => {
  it('replays the stored log, then follows the live tail from the last seq and updates the status', async () => {
    let run: Run = building;
    const api: ApiClient = {
      async request<T>(method: string, path: string, options?: { query?: Record<string, unknown> }) {
        if (method === 'GET' && path === base) return run as T;
        if (method === 'GET' && path === `${base}/logs`) {
          const after = Number(options?.query?.after);
          const page = after === 0 ? lines(1, 3) : after === 3 ? lines(4, 5) : [];
          return {
            runId: R,
            status: run.status,
            lines: page,
            nextAfter: page.at(-1)?.seq ?? after,
            more: after === 0,
          } as T;
        }
        throw new ApiError(404, 'not_found', `${method} ${path}`);
      },
    };
    const sockets = renderRun(api);

    // The commit people know, not the run's id.
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent(
      /^Deploy · 6c6059f 'Fix header'◐Building$/,
    );
    const log = screen.getByRole('log');
    expect(await within(log).findByText('output 5')).toBeInTheDocument();
    expect(
      within(screen.getByRole('list', { name: 'Steps' }))
        .getByText('Building')
        .closest('li'),
    ).toHaveAttribute('aria-current', 'step');
    expect(screen.getByText(`npm run sfn -- describe ${R}`)).toBeInTheDocument();

    const socket = sockets[0] as FakeSocket;
    expect(socket.url).toBe('ws://wharf.test/ws?token=tok-1');
    act(() => socket.open());
    expect(socket.sent).toEqual([{ action: 'subscribe', runId: R, after: 5 }]);

    act(() => socket.receive({ type: 'log', runId: R, lines: lines(5, 7) }));
    expect(within(log).getByText('output 7')).toBeInTheDocument();
    expect(log.querySelectorAll('[data-seq="5"]')).toHaveLength(1);

    run = {
      ...building,
      status: 'failed',
      steps: failedSteps,
      failureReason: 'The build failed: npm ERR! missing script: build',
      hint: 'Add a "build" script to package.json, push, and deploy again.',
    };
    act(() =>
      socket.receive({
        type: 'status',
        runId: R,
        status: 'failed',
        steps: failedSteps,
        failureReason: run.failureReason,
      }),
    );
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Failed');
    expect(screen.getByText('Run status: Failed')).toBeInTheDocument();
    expect(await screen.findByText(/Add a "build" script/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Why it failed' })).toBeInTheDocument();
    expect(screen.getByText('The build failed: npm ERR! missing script: build')).toBeInTheDocument();
  });

  it('links to the execution in the AWS console in cloud mode', () => {
    expect(executionConsoleUrl(ARN)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${ARN}`,
    );
    const config = {
      issuer: 'http://x',
      clientId: 'c',
      apiUrl: '/api',
      webSocketUrl: '/ws',
      mode: 'cloud',
      region: 'us-east-2',
    } as WebConfig;
    render(
      <ServicesProvider services={{ api: { request: async () => undefined as never }, config }}>
        <ExecutionLink run={{ id: R, executionArn: ARN }} />
      </ServicesProvider>,
    );
    expect(screen.getByRole('link', { name: /Step Functions console/ })).toHaveAttribute(
      'href',
      `https://us-east-2.console.aws.amazon.com/states/home?region=us-east-2#/v2/executions/details/${ARN}`,
    );
  });
});

describe('RunPage: a run waiting for approval', () => {
  const waiting: Run = {
    ...building,
    kind: 'promote',
    status: 'awaiting_approval',
    source: undefined,
    promotedFrom: { releaseId: 'rel3', environment: 'staging', number: 3 },
    approval: { state: 'waiting', requestedAt: '2025-01-01T00:00:00Z', expiresAt: '2025-01-02T00:00:00Z' },
    steps: [
      {
        name: 'queue',
        status: 'succeeded',
        startedAt: '2025-01-01T00:00:00Z',
        endedAt: '2025-01-01T00:00:01Z',
      },
      { name: 'approval', status: 'running', startedAt: '2025-01-01T00:00:01Z' },
    ],
  };
  function apiFor(canDecide: boolean, onApprove: () => Run) {
    const calls: string[] = [];
    const api: ApiClient = {
      async request<T>(method: string, path: string) {
        calls.push(`${method} ${path}`);
        if (method === 'GET' && path === base) return waiting as T;
        if (method === 'GET' && path === `${base}/logs`)
          return { runId: R, status: waiting.status, lines: [], nextAfter: 0, more: false } as T;
        if (method === 'GET' && path === `/workspaces/${W}/approvals`)
          return {
            items: [
              {
                workspaceId: W,
                projectId: P,
                projectName: 'shop',
                environment: 'production',
                runId: R,
                kind: 'promote',
                requestedBy: 'alice',
                requestedAt: waiting.approval?.requestedAt,
                expiresAt: waiting.approval?.expiresAt,
                canDecide,
              },
            ],
          } as T;
        if (method === 'POST' && path === `${base}/approve`) return onApprove() as T;
        throw new ApiError(404, 'not_found', `${method} ${path}`);
      },
    };
    return { api, calls };
  }

  it('says until when it waits, shows the approval step, and Approve resumes it', async () => {
    const { api, calls } = apiFor(true, () => ({
      ...waiting,
      status: 'queued',
      approval: {
        ...(waiting.approval as NonNullable<Run['approval']>),
        state: 'approved',
        decidedBy: 'bob',
      },
    }));
    renderRun(api);
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('Promote #3 from staging');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Awaiting approval');
    expect(screen.getByText(/the image of staging release 3, not rebuilt/)).toBeInTheDocument();
    const region = screen.getByRole('region', { name: 'Approval' });
    expect(
      within(region)
        .getByText(/Waiting for approval/)
        .closest('p')
        ?.querySelector('time'),
    ).toHaveAttribute('datetime', '2025-01-02T00:00:00Z');
    expect(
      within(screen.getByRole('list', { name: 'Steps' }))
        .getByText('Waiting for approval')
        .closest('li'),
    ).toHaveAttribute('aria-current', 'step');
    const approve = within(region).getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(calls).toContain(`GET /workspaces/${W}/approvals`));
    await act(async () => approve.click());
    expect(calls).toContain(`POST ${base}/approve`);
    expect((await screen.findByText('Approved')).closest('p')).toHaveTextContent('Approved by bob');
    expect(screen.queryByRole('region', { name: 'Approval' })).not.toBeInTheDocument();
  });

  it('disables the decision with the reason when the caller cannot decide', async () => {
    const { api } = apiFor(false, () => waiting);
    renderRun(api);
    const region = await screen.findByRole('region', { name: 'Approval' });
    await waitFor(() => expect(within(region).getByRole('button', { name: 'Approve' })).toBeDisabled());
    expect(within(region).getByRole('button', { name: 'Reject' })).toBeDisabled();
    expect(within(region).getByText(/You requested this run/)).toBeInTheDocument();
  });
});

describe('timelineOf', () => {
  it('lists the steps taken, the ones to come, and the end', () => {
    expect(timelineOf(building).map((i) => [i.label, i.state])).toEqual([
      ['Queued', 'succeeded'],
      ['Building', 'running'],
      ['Pushing image', 'pending'],
      ['Updating GitOps', 'pending'],
      ['Syncing', 'pending'],
      ['Deployed', 'pending'],
    ]);
    expect(
      timelineOf({ ...building, status: 'failed', steps: failedSteps }).map((i) => [i.label, i.state]),
    ).toEqual([
      ['Queued', 'succeeded'],
      ['Building', 'failed'],
      ['Pushing image', 'not_reached'],
      ['Updating GitOps', 'not_reached'],
      ['Syncing', 'not_reached'],
      ['Failed', 'failed'],
    ]);
    expect(timelineOf({ kind: 'rollback', status: 'queued', steps: [] }).map((i) => i.label)).toEqual([
      'Queued',
      'Updating GitOps',
      'Syncing',
      'Deployed',
    ]);
  });

  it('plans no build for a promotion, and the approval step for a run that waits for one', () => {
    const approval = {
      state: 'waiting' as const,
      requestedAt: '2025-01-01T00:00:00Z',
      expiresAt: '2025-01-02T00:00:00Z',
    };
    expect(
      timelineOf({
        kind: 'promote',
        status: 'awaiting_approval',
        approval,
        steps: [
          {
            name: 'queue',
            status: 'succeeded',
            startedAt: '2025-01-01T00:00:00Z',
            endedAt: '2025-01-01T00:00:01Z',
          },
          { name: 'approval', status: 'running', startedAt: '2025-01-01T00:00:01Z' },
        ],
      }).map((i) => [i.label, i.state]),
    ).toEqual([
      ['Queued', 'succeeded'],
      ['Waiting for approval', 'running'],
      ['Updating GitOps', 'pending'],
      ['Syncing', 'pending'],
      ['Deployed', 'pending'],
    ]);
    expect(timelineOf({ kind: 'deploy', status: 'queued', approval, steps: [] }).map((i) => i.label)).toEqual(
      [
        'Queued',
        'Waiting for approval',
        'Building',
        'Pushing image',
        'Updating GitOps',
        'Syncing',
        'Deployed',
      ],
    );
  });
});
