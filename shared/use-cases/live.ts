import type { Run } from '../deploy.ts';
import type {
  ConnectionMessenger,
  ConnectionRepository,
  RunLogStore,
  RunRepository,
} from '../deploy-ports.ts';
import { isDomainError, isServerError, serverErrorMessage } from '../errors.ts';
import type { Clock, WorkspaceRepository } from '../ports.ts';
import { formatIssue } from '../schemas/common.ts';
import { liveMessageSchema } from '../schemas/deployment.ts';
import { requireMember } from './access.ts';

export interface LiveDeps {
  connections: ConnectionRepository;
  messenger: ConnectionMessenger;
  runs: RunRepository;
  logs: RunLogStore;
  workspaces: WorkspaceRepository;
  clock: Clock;
}

const REPLAY_PAGE = 500;

const statusOf = (run: Run) => ({
  type: 'status' as const,
  runId: run.id,
  status: run.status,
  steps: run.steps,
  failureReason: run.failureReason,
  releaseId: run.releaseId,
});

/**
 * The live channel. A client subscribes to a run with the last sequence number it has (`after`):
 * it is registered as a watcher first, then gets the stored lines after `after`, then live lines as
 * they are written. Lines carry their sequence numbers, so the client drops the few that can arrive
 * twice around the switch and nothing is ever missing.
 */
export function makeLive(deps: LiveDeps) {
  const send = (connectionId: string, message: unknown) => deps.messenger.send(connectionId, message);

  async function subscribe(connectionId: string, userId: string, runId: string, after: number) {
    const run = await deps.runs.find(runId);
    const member = run ? await deps.workspaces.getMembership(run.workspaceId, userId) : undefined;
    if (!run || !member) {
      await send(connectionId, {
        type: 'error',
        code: 'run.not_found',
        message: `No run ${runId} is visible to you.`,
        runId,
      });
      return;
    }
    await deps.connections.watch({ connectionId, userId }, { runId });
    let cursor = after;
    for (;;) {
      const page = await deps.logs.list(runId, cursor, REPLAY_PAGE);
      if (page.lines.length > 0) {
        if (!(await send(connectionId, { type: 'log', runId, lines: page.lines, replay: true }))) return;
        cursor = page.lines.at(-1)?.seq ?? cursor;
      }
      if (!page.more) break;
    }
    const latest = (await deps.runs.get(run.projectId, run.id)) ?? run;
    await send(connectionId, statusOf(latest));
  }

  return {
    async connect(connectionId: string, userId: string) {
      await deps.connections.save({ connectionId, userId, connectedAt: deps.clock.now().toISOString() });
    },

    async disconnect(connectionId: string) {
      await deps.connections.remove(connectionId);
    },

    async message(connectionId: string, body: string | undefined) {
      const connection = await deps.connections.get(connectionId);
      if (!connection) return;
      let json: unknown;
      try {
        json = JSON.parse(body ?? '');
      } catch {
        await send(connectionId, {
          type: 'error',
          code: 'request.invalid_json',
          message: 'Send JSON messages.',
        });
        return;
      }
      const parsed = liveMessageSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const { field, message } = issue
          ? formatIssue(issue)
          : { field: 'body', message: 'message is invalid' };
        await send(connectionId, { type: 'error', code: 'request.invalid', field, message });
        return;
      }
      const msg = parsed.data;
      try {
        if (msg.action === 'ping') await send(connectionId, { type: 'pong' });
        else if (msg.action === 'subscribe')
          await subscribe(connectionId, connection.userId, msg.runId, msg.after);
        else {
          await requireMember(deps.workspaces, msg.workspaceId, connection.userId);
          await deps.connections.watch(
            { connectionId, userId: connection.userId },
            { workspaceId: msg.workspaceId },
          );
          await send(connectionId, { type: 'watching', workspaceId: msg.workspaceId });
        }
      } catch (error) {
        if (!isDomainError(error)) throw error;
        if (isServerError(error)) {
          // Shown generically; rethrown so the route logs the detail with its request id.
          await send(connectionId, { type: 'error', code: error.code, message: serverErrorMessage() });
          throw error;
        }
        await send(connectionId, { type: 'error', code: error.code, message: error.message });
      }
    },
  };
}
