import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SFNClient } from '@aws-sdk/client-sfn';
import { makeRunJournal } from '../../shared/use-cases/run-journal.ts';
import { DynamoConnections, DynamoWebhookDeliveries } from '../adapters/dynamodb/connections.ts';
import { DynamoRunLogs } from '../adapters/dynamodb/run-logs.ts';
import { DynamoRuns } from '../adapters/dynamodb/runs.ts';
import { StepFunctionsWorkflow } from '../adapters/stepfunctions/workflow-engine.ts';
import { ApiGatewayMessenger } from '../adapters/websocket/messenger.ts';
import { WebSocketRunEvents } from '../adapters/websocket/run-events.ts';
import { optionalSetting, setting } from './config.ts';
import { deps, lazy } from './deps.ts';

function makeDeployDeps() {
  const base = deps();
  const { env, table } = base;
  const region = base.region ? { region: base.region } : {};
  const runs = lazy(() => new DynamoRuns(table));
  const logs = lazy(() => new DynamoRunLogs(table));
  const connections = lazy(() => new DynamoConnections(table));
  const messenger = lazy(
    () =>
      new ApiGatewayMessenger(
        new ApiGatewayManagementApiClient({
          ...region,
          endpoint: setting(
            env,
            'WHARF_WS_ENDPOINT',
            'the WebSocket API management endpoint (https://<api>.execute-api.<region>.amazonaws.com/<stage>)',
          ),
        }),
      ),
  );
  const events = lazy(() => new WebSocketRunEvents(connections(), messenger()));
  const workflow = lazy(() => {
    const endpoint = optionalSetting(env, 'SFN_ENDPOINT');
    return new StepFunctionsWorkflow(
      new SFNClient({ ...region, ...(endpoint ? { endpoint } : {}) }),
      setting(env, 'WHARF_STATE_MACHINE_ARN', 'the DeployProject state machine ARN'),
    );
  });
  const deliveries = lazy(() => new DynamoWebhookDeliveries(table));
  const journal = lazy(() =>
    makeRunJournal({ runs: runs(), logs: logs(), events: events(), clock: base.clock }),
  );
  return {
    ...base,
    get runs() {
      return runs();
    },
    get logs() {
      return logs();
    },
    get connections() {
      return connections();
    },
    get deliveries() {
      return deliveries();
    },
    get messenger() {
      return messenger();
    },
    get events() {
      return events();
    },
    get workflow() {
      return workflow();
    },
    get journal() {
      return journal();
    },
  };
}

export type DeployDeps = ReturnType<typeof makeDeployDeps>;

let cached: DeployDeps | undefined;
/** Runs, releases, logs, live connections and the workflow engine, on top of `deps()`. */
export function deployDeps(): DeployDeps {
  cached ??= makeDeployDeps();
  return cached;
}
