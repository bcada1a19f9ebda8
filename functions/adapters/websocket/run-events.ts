import type { RunEvent } from '../../../shared/deploy.ts';
import type {
  ConnectionMessenger,
  ConnectionRepository,
  RunEventPublisher,
} from '../../../shared/deploy-ports.ts';
import { logger } from '../../lib/logger.ts';

/**
 * Fans run events out to the connections watching them: log lines and status to a run's watchers,
 * run changes to the workspace's watchers. Gone connections (410) are removed. Never throws: a
 * watcher's trouble must not fail a deploy.
 */
export class WebSocketRunEvents implements RunEventPublisher {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly messenger: ConnectionMessenger,
  ) {}

  async publish(event: RunEvent, audience: { runId: string; workspaceId: string }) {
    try {
      const ids =
        event.type === 'run'
          ? await this.connections.watchers({ workspaceId: audience.workspaceId })
          : await this.connections.watchers({ runId: audience.runId });
      await Promise.all(
        ids.map(async (id) => {
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
