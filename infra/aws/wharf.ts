import { type App, type Environment, Tags } from 'aws-cdk-lib';
import type { StageConfig } from './config.ts';
import { stackName } from './names.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { WebStack } from './stacks/web-stack.ts';
import { WorkflowStack } from './stacks/workflow-stack.ts';

export interface WharfStacks {
  stateful: StatefulStack;
  api: ApiStack;
  workflow: WorkflowStack;
  web: WebStack;
}

/**
 * One stage of Wharf: stateful (table, secrets) → api (HTTP + WebSocket APIs and their handlers) →
 * workflow (DeployProject and its tasks, which push to the WebSocket API) → web (the SPA and the one
 * origin in front of both APIs). The API handlers reach the state machine by its fixed name, so the
 * references only ever point back along this order.
 */
export function createWharf(app: App, config: StageConfig): WharfStacks {
  const env: Environment = {
    ...(config.account ? { account: config.account } : {}),
    ...(config.region ? { region: config.region } : {}),
  };
  const description = (what: string) => `Wharf (${config.stage}): ${what}`;

  const stateful = new StatefulStack(app, stackName(config, 'Stateful'), {
    env,
    config,
    description: description('table, platform secrets, alarm topic (retained)'),
  });
  const api = new ApiStack(app, stackName(config, 'Api'), {
    env,
    config,
    description: description('HTTP and WebSocket APIs and their handlers'),
    table: stateful.table,
    webhookSecret: stateful.secrets.githubWebhookSecret,
    deliverySecrets: stateful.secrets,
    alarmTopic: stateful.alarmTopic,
  });
  const workflow = new WorkflowStack(app, stackName(config, 'Workflow'), {
    env,
    config,
    description: description('the DeployProject state machine and its task functions'),
    table: stateful.table,
    deliverySecrets: stateful.secrets,
    alarmTopic: stateful.alarmTopic,
  });
  // The workflow imports the WebSocket API id by export name, so the order is explicit.
  workflow.addStackDependency(api);
  const web = new WebStack(app, stackName(config, 'Web'), {
    env,
    config,
    description: description('the web app on CloudFront, in front of both APIs'),
    httpApiId: api.httpApi.apiId,
    webSocketApiId: api.webSocketApi.apiId,
  });
  // Deploy the workflow before the web app exposes the API that starts it.
  web.addStackDependency(workflow);

  Tags.of(app).add('wharf:stage', config.stage);
  Tags.of(app).add('wharf:app', 'wharf');
  return { stateful, api, workflow, web };
}
