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

/** How long a run waits for an owner's approval unless the stage says otherwise: 24 h. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;
/** The execution's bound without the approval wait: build, commit and sync together. */
const WORK_TIMEOUT_SECONDS = 14_400;

interface MutableDefinition {
  TimeoutSeconds: number;
  States: Record<string, { TimeoutSeconds?: number; Parameters?: { Payload?: { timeoutSeconds?: number } } }>;
}

/**
 * The definition with this stage's approval timeout: AwaitApproval's TimeoutSeconds (after which
 * Step Functions fails it with States.Timeout), the same number in its payload (so the run shows
 * until when it waits), and the execution's own bound raised by as much. ASL has no substitution for
 * numbers, so the stage's value is written here, for the CDK app and the local stack alike.
 */
export function deployProjectDefinitionFor(options: { approvalTimeoutSeconds?: number | undefined }): string {
  const seconds = options.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new Error(`The approval timeout must be a whole number of seconds ≥ 1, not ${seconds}`);
  }
  if (seconds === DEFAULT_APPROVAL_TIMEOUT_SECONDS) return deployProjectDefinition;
  const definition = JSON.parse(deployProjectDefinition) as MutableDefinition;
  const wait = definition.States.AwaitApproval;
  const payload = wait?.Parameters?.Payload;
  if (!wait || !payload) throw new Error('DeployProject has no AwaitApproval state with a Payload');
  wait.TimeoutSeconds = seconds;
  payload.timeoutSeconds = seconds;
  definition.TimeoutSeconds = WORK_TIMEOUT_SECONDS + seconds;
  return JSON.stringify(definition, null, 2);
}

/** How long the function of a callback task (AwaitApproval) may run: it only stores the token. */
export const CALLBACK_TIMEOUT_SECONDS = 60;

/** Task state → handler module (under functions/), one Lambda function each. */
export const deployProjectTasks = {
  AwaitApproval: 'sfn/await-approval',
  EndUnapprovedRun: 'sfn/end-unapproved-run',
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
