import type { WorkflowInput } from '../../deploy-ports.ts';
import { TRANSIENT_ERROR } from '../../errors.ts';

/**
 * The contract between the DeployProject state machine (functions/sfn/deploy-project.asl.json) and
 * its tasks: which key of the execution state each task writes, the values the Choice states branch
 * on, and the error names Retry and Catch match. The tasks' types come from here and
 * functions/sfn/contract.test.ts checks the ASL against it, naming the state on a mismatch.
 */

export const TURN_RESULTS = ['go', 'wait', 'superseded'] as const;
export const BUILD_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const SYNC_STATES = ['waiting', 'synced', 'degraded'] as const;
export const ROLLBACK_RESULTS = ['rolled_back', 'failed'] as const;

/** StartRun: whether this run holds its environment's deploy turn. */
export interface TurnResult {
  result: (typeof TURN_RESULTS)[number];
  waits: number;
  needsBuild: boolean;
}

/** TriggerBuild / PollBuild: the build being followed and where its log was read up to. */
export interface BuildTracking {
  buildId: string;
  offset: string | null;
  polls: number;
  state: (typeof BUILD_STATES)[number];
}

/** CommitDesiredState: the GitOps commit holding the release's files. */
export interface GitOpsResult {
  commit: string;
  releaseId: string;
  number: number;
}

/** CheckSync: whether the app runs the commit yet. */
export interface SyncTracking {
  state: (typeof SYNC_STATES)[number];
  checks: number;
  seen?: string | undefined;
  message?: string | undefined;
  /** The sync service's log position already copied into the run log (SyncStatus `log.next`). */
  logNext?: number | undefined;
}

export interface ReleaseResult {
  releaseId: string;
  number: number;
}

/**
 * AwaitApproval: what the owner's approval sends back (SendTaskSuccess output), stored at
 * `$.approval`. A rejection fails the task instead (ApprovalRejected), and so does the expiry
 * (States.Timeout).
 */
export interface ApprovalResult {
  decidedBy: string;
  decidedAt: string;
  reason?: string | undefined;
}

/**
 * What AwaitApproval's function receives (`Parameters.Payload`): the execution state, the task token
 * that resumes it, and how long Step Functions waits for it (the state's TimeoutSeconds, set per
 * stage in definition.ts), so the run can say until when it waits.
 */
export interface ApprovalRequest {
  state: DeployState;
  taskToken: string;
  timeoutSeconds: number;
}

export interface RollbackResult {
  result: (typeof ROLLBACK_RESULTS)[number];
}

/** What a Catch puts at `$.error`: Step Functions' error name and cause. */
export interface CaughtError {
  Error?: string | undefined;
  Cause?: string | undefined;
}

/** The execution's state as the tasks see it: the input plus what earlier tasks returned. */
export interface DeployState extends WorkflowInput {
  turn?: TurnResult;
  build?: BuildTracking;
  gitops?: GitOpsResult;
  sync?: SyncTracking;
  release?: ReleaseResult;
  rollback?: RollbackResult;
  approval?: ApprovalResult;
  error?: CaughtError;
}

/** Each task state and the key of the state its result is stored under (none: the state passes on). */
export const TASK_RESULT_KEYS = {
  AwaitApproval: 'approval',
  EndUnapprovedRun: null,
  StartRun: 'turn',
  TriggerBuild: 'build',
  PollBuild: 'build',
  CommitDesiredState: 'gitops',
  RequestSync: null,
  CheckSync: 'sync',
  RecordRelease: 'release',
  FinishRun: null,
  RollBackToPrevious: 'rollback',
  FailRun: null,
} as const satisfies Record<string, keyof DeployState | null>;

export type DeployTask = keyof typeof TASK_RESULT_KEYS;
export const DEPLOY_TASKS = Object.keys(TASK_RESULT_KEYS) as DeployTask[];

/**
 * Tasks that wait for a callback (`lambda:invoke.waitForTaskToken`): their function gets an
 * `ApprovalRequest` and its answer is ignored; the task's result is what SendTaskSuccess sends.
 */
export const CALLBACK_TASKS = ['AwaitApproval'] as const satisfies readonly DeployTask[];
export type CallbackTask = (typeof CALLBACK_TASKS)[number];

/** Keys of the execution input that Choice states read (the tasks never write them). */
export const INPUT_CHOICE_KEYS = ['requiresApproval'] as const satisfies readonly (keyof DeployState)[];

/** What a task returns: the value stored under its key, or nothing. */
export type TaskOutput<T extends DeployTask> = (typeof TASK_RESULT_KEYS)[T] extends keyof DeployState
  ? NonNullable<DeployState[(typeof TASK_RESULT_KEYS)[T]]>
  : undefined;

export type DeployTaskFn<T extends DeployTask> = (state: DeployState) => Promise<TaskOutput<T>>;

/**
 * The values each Choice variable can take (`$.<key>.<field>`): a Choice that tests a value not
 * listed here, or a variable no task writes, fails the contract test.
 */
export const CHOICE_VALUES: Record<string, readonly (string | boolean)[]> = {
  '$.turn.result': TURN_RESULTS,
  '$.turn.needsBuild': [true, false],
  '$.build.state': BUILD_STATES,
  '$.sync.state': SYNC_STATES,
  '$.rollback.result': ROLLBACK_RESULTS,
  '$.requiresApproval': [true, false],
};

/** Error names the tasks raise on purpose (WorkflowError names); each reaches FailRun with its message. */
export const WORKFLOW_ERRORS = {
  transient: TRANSIENT_ERROR,
  runNotFound: 'RunNotFound',
  projectGone: 'ProjectGone',
  turnTimedOut: 'TurnTimedOut',
  nothingToBuild: 'NothingToBuild',
  noBuild: 'NoBuild',
  buildFailed: 'BuildFailed',
  /** The build could not read the repository (wrong URL, no access, host unreachable). */
  buildSourceUnreachable: 'BuildSourceUnreachable',
  /** The repository has no such branch. */
  buildBranchNotFound: 'BuildBranchNotFound',
  /** The build platform failed (registry down, a tool missing, out of disk): not the user's code. */
  buildPlatformFailed: 'BuildPlatformFailed',
  buildCancelled: 'BuildCancelled',
  buildTimedOut: 'BuildTimedOut',
  noImage: 'NoImage',
  noCommit: 'NoCommit',
  releaseNotFound: 'ReleaseNotFound',
  releaseUnreadable: 'ReleaseUnreadable',
  /** An owner rejected the run (SendTaskFailure); its cause says who and why. */
  approvalRejected: 'ApprovalRejected',
  /** The run ended (cancelled, superseded) before its approval wait began. */
  runEnded: 'RunEnded',
} as const;

/** The errors every task state retries: Lambda's own transient failures and ours. */
export const RETRIED_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  TRANSIENT_ERROR,
] as const;

/** The limits that bound the workflow's loops (set per stage; the local stack shortens its waits). */
export interface WorkflowLimits {
  /** WaitForTurn rounds before giving up on the previous run. */
  turnWaits: number;
  /** PollBuild rounds before the build is cancelled as too slow. */
  buildPolls: number;
  /** CheckSync rounds before the rollout counts as failed. */
  syncChecks: number;
}
