import { readFileSync } from 'node:fs';

/**
 * The DeployProject state machine: one ASL document (JSONPath) for AWS and the local stack. Task
 * states call Lambda through `arn:aws:states:::lambda:invoke` with `${<State>FunctionArn}`
 * placeholders that CDK substitutes; locally the same states run the same handler modules.
 */
export const DEPLOY_PROJECT = 'DeployProject';

export const deployProjectDefinition = readFileSync(
  new URL('./deploy-project.asl.json', import.meta.url),
  'utf8',
);

/** Task state → handler module (under functions/), one Lambda function each. */
export const deployProjectTasks = {
  StartRun: 'sfn/start-run',
  TriggerBuild: 'sfn/trigger-build',
  PollBuild: 'sfn/poll-build',
  CommitDesiredState: 'sfn/commit-desired-state',
  RequestSync: 'sfn/request-sync',
  CheckSync: 'sfn/check-sync',
  RecordRelease: 'sfn/record-release',
  FinishRun: 'sfn/finish-run',
  RollBackToPrevious: 'sfn/roll-back-to-previous',
  FailRun: 'sfn/fail-run',
} as const;

export type DeployProjectTask = keyof typeof deployProjectTasks;

export type DeliveryPort = 'build' | 'gitops' | 'sync';

/**
 * The delivery ports each task reaches: its handler module imports exactly those production adapters
 * (functions/lib/delivery/*), and in AWS its function gets exactly their settings and credentials.
 * functions/sfn/workflow.test.ts checks each task uses no other port; definition.test.ts checks the imports.
 */
export const deployProjectTaskPorts: Record<DeployProjectTask, readonly DeliveryPort[]> = {
  StartRun: [],
  TriggerBuild: ['build'],
  PollBuild: ['build'],
  CommitDesiredState: ['gitops'],
  RequestSync: ['sync'],
  // Reads release.json at the revision Argo CD reports; asks again for a sync that lags.
  CheckSync: ['sync', 'gitops'],
  // The release keeps its GitOps commit links.
  RecordRelease: ['gitops'],
  FinishRun: [],
  RollBackToPrevious: ['gitops', 'sync'],
  // Cancels a build still running.
  FailRun: ['build'],
};

/** The production adapter module behind each port. */
export const deliveryAdapterModule: Record<DeliveryPort, string> = {
  build: 'lib/delivery/jenkins.ts',
  gitops: 'lib/delivery/github.ts',
  sync: 'lib/delivery/argocd.ts',
};

/** The substitution variable of a task state's function, e.g. `StartRunFunctionArn`. */
export const functionArnVariable = (task: DeployProjectTask) => `${task}FunctionArn`;

/** Wait states and how long they wait in AWS; the local stack shortens them by configuration. */
export const deployProjectWaits = ['WaitForTurn', 'WaitForBuild', 'WaitForSync'] as const;
