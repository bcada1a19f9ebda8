import type { RunEvent } from '../../../shared/deploy.ts';
import type {
  ConnectionMessenger,
  ConnectionRepository,
  RunEventPublisher,
} from '../../../shared/deploy-ports.ts';
import type { WorkspaceRepository } from '../../../shared/ports.ts';
import { logger } from '../../lib/logger.ts';

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
      await Promise.all(
        watchers.map(async ({ connectionId: id, userId }) => {
          if (!members.has(userId)) return;
          try {
            if (!(await this.messenger.send(id, event))) await this.connections.remove(id);
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
