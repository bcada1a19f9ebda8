import type { RunEvent } from '../../../shared/deploy.ts';
import type {
  ConnectionMessenger,
  ConnectionRepository,
  RunEventPublisher,
} from '../../../shared/deploy-ports.ts';
import type { WorkspaceRepository } from '../../../shared/ports.ts';
import { logger } from '../../lib/logger.ts';

/**
 * API Gateway refuses a PostToConnection payload over 128 KB (PayloadTooLargeException). One build poll
 * can bring 20 000 lines (megabytes): sent whole, it was dropped and the browser saw a hole in the log
 * until its backfill. Log events are cut into messages below this size, with room for the envelope.
 */
export const MAX_MESSAGE_BYTES = 120 * 1024;

/** A log event as messages each below `maxBytes` (a single larger line goes alone), in seq order. */
export function splitLogEvent(event: RunEvent, maxBytes = MAX_MESSAGE_BYTES): RunEvent[] {
  if (event.type !== 'log') return [event];
  const encoder = new TextEncoder();
  const envelope = encoder.encode(JSON.stringify({ ...event, lines: [] })).length;
  const messages: RunEvent[] = [];
  let chunk: typeof event.lines = [];
  let size = envelope;
  for (const line of event.lines) {
    const bytes = encoder.encode(JSON.stringify(line)).length + 1; // the comma
    if (chunk.length > 0 && size + bytes > maxBytes) {
      messages.push({ ...event, lines: chunk });
      chunk = [];
      size = envelope;
    }
    chunk.push(line);
    size += bytes;
  }
  if (chunk.length > 0 || messages.length === 0) messages.push({ ...event, lines: chunk });
  return messages;
}

/**
 * Fans run events out to the connections watching them: log lines and status to a run's watchers,
 * run changes to the workspace's watchers. Membership is checked on every event (one read per
 * watching user per publish), so a member removed from the workspace stops getting its events at
 * once, whichever connection or watch they made before. Gone connections (410) are removed. Never
 * throws: a watcher's trouble must not fail a deploy.
 */
export class WebSocketRunEvents implements RunEventPublisher {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly messenger: ConnectionMessenger,
    private readonly workspaces: Pick<WorkspaceRepository, 'getMembership'>,
  ) {}

  async publish(event: RunEvent, audience: { runId: string; workspaceId: string }) {
    try {
      const watchers =
        event.type === 'run'
          ? await this.connections.watchers({ workspaceId: audience.workspaceId })
          : await this.connections.watchers({ runId: audience.runId });
      if (watchers.length === 0) return;
      const users = [...new Set(watchers.map((w) => w.userId))];
      const members = new Set(
        (
          await Promise.all(
            users.map(async (userId) =>
              (await this.workspaces.getMembership(audience.workspaceId, userId)) ? [userId] : [],
            ),
          )
        ).flat(),
      );
      const messages = splitLogEvent(event);
      await Promise.all(
        watchers.map(async ({ connectionId: id, userId }) => {
          if (!members.has(userId)) return;
          try {
            // One after the other: a connection gets its lines in order.
            for (const message of messages) {
              if (!(await this.messenger.send(id, message))) {
                await this.connections.remove(id);
                return;
              }
            }
          } catch (error) {
            logger.warn('could not push to a connection', { connectionId: id, error });
          }
        }),
      );
    } catch (error) {
      logger.warn('could not publish a run event', { runId: audience.runId, error });
    }
  }
}
