import { readFileSync } from 'node:fs';
import type { DeployTask } from '../../shared/use-cases/workflow/contract.ts';

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
} as const satisfies Record<DeployTask, string>;

export type DeployProjectTask = keyof typeof deployProjectTasks;

/** The substitution variable of a task state's function, e.g. `StartRunFunctionArn`. */
export const functionArnVariable = (task: DeployProjectTask) => `${task}FunctionArn`;

/** Wait states and how long they wait in AWS; the local stack shortens them by configuration. */
export const deployProjectWaits = ['WaitForTurn', 'WaitForBuild', 'WaitForSync'] as const;
