import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionMessenger, RunEventPublisher } from '../../../shared/deploy-ports.ts';
import { makeRunJournal, type RunJournal } from '../../../shared/use-cases/run-journal.ts';
import { ApiGatewayMessenger } from '../../adapters/websocket/messenger.ts';
import { WebSocketRunEvents } from '../../adapters/websocket/run-events.ts';
import { setting } from '../config.ts';
import { recordRunFinished } from '../observability.ts';
import { port, settings } from './ports.ts';
import { clock } from './system.ts';
import { connections, runLogs, runs, workspaces } from './table.ts';

/** The WebSocket API's management endpoint (the local gateway serves the same one). */
export const messenger = port('messenger', (): ConnectionMessenger => {
  const { env, region } = settings();
  return new ApiGatewayMessenger(
    new ApiGatewayManagementApiClient({
      ...(region ? { region } : {}),
      endpoint: setting(
        env,
        'WHARF_WS_ENDPOINT',
        'the WebSocket API management endpoint (https://<api>.execute-api.<region>.amazonaws.com/<stage>)',
      ),
    }),
  );
});

let events: RunEventPublisher | undefined;
/** Run events pushed to the connections watching a run or workspace. */
function runEvents(): RunEventPublisher {
  events ??= new WebSocketRunEvents(connections(), messenger(), workspaces());
  return events;
}

let runJournal: RunJournal | undefined;
/** Where every status change and log line of a run is written, and pushed to its watchers. */
export function journal(): RunJournal {
  runJournal ??= makeRunJournal({
    runs: runs(),
    logs: runLogs(),
    events: runEvents(),
    clock: clock(),
    finished: (run) => recordRunFinished(run.status, run.environment),
  });
  return runJournal;
}
