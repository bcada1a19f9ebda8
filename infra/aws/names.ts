import { ArnFormat, Aws, Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEPLOY_PROJECT } from '../../functions/sfn/definition.ts';
import type { StageConfig } from './config.ts';
import type { ConnectionsEndpoint } from './constructs/control-plane-function.ts';

/**
 * Names fixed by the stage, so stacks can refer to each other's resources without a CloudFormation
 * export where that would close a cycle: the HTTP handlers start DeployProject executions, and the
 * workflow's tasks push to the WebSocket API built with those handlers.
 */
export const stackName = (config: StageConfig, part: 'Stateful' | 'Api' | 'Workflow' | 'Web') =>
  `Wharf-${config.stage}-${part}`;

export const stateMachineName = (config: StageConfig) => `wharf-${config.stage}-${DEPLOY_PROJECT}`;

export function stateMachineArn(scope: Construct, config: StageConfig): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName(config),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The WebSocket stage is named for the path CloudFront forwards to it, so `/ws` reaches it unchanged. */
export const WEBSOCKET_STAGE = 'ws';

/**
 * The WebSocket API id is exported under a stage-fixed name and imported by name in the workflow
 * stack: its task functions' postToConnection grant (a wildcard on connection ids) is acknowledged
 * by exactly that resource, which an automatic cross-stack reference would only name later.
 */
export const webSocketApiExport = (config: StageConfig) => `wharf-${config.stage}-websocket-api-id`;

export function connectionsEndpoint(apiId: string): ConnectionsEndpoint {
  return {
    apiId,
    stageName: WEBSOCKET_STAGE,
    callbackUrl: `https://${apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${WEBSOCKET_STAGE}`,
  };
}

export const importedConnectionsEndpoint = (config: StageConfig) =>
  connectionsEndpoint(Fn.importValue(webSocketApiExport(config)));
