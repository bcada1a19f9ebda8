import type { Environment } from './naming.ts';

/**
 * Runs, releases and log lines: the deploy side of the domain.
 *
 * A run is one execution of the DeployProject workflow; its id is the Step Functions execution name.
 * A release is an immutable snapshot of what runs (image + digest, rendered config, env var names,
 * GitOps commit). A rollback re-commits an earlier release's manifests as a new release; it never builds.
 */
export const RUN_KINDS = ['deploy', 'rollback', 'promote'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const RUN_STATUSES = [
  'queued',
  'awaiting_approval',
  'building',
  'pushing',
  'updating_gitops',
  'syncing',
  'deployed',
  'failed',
  'rolled_back',
  'superseded',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'deployed',
  'failed',
  'rolled_back',
  'superseded',
  'cancelled',
]);

/** Which status may follow which. Status writes are conditional on the current one being a legal source. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['awaiting_approval', 'building', 'updating_gitops', 'superseded', 'cancelled', 'failed'],
  // Approved: back in the queue for the environment's deploy turn. Rejected or expired: cancelled.
  awaiting_approval: ['queued', 'cancelled', 'failed'],
  building: ['pushing', 'failed', 'cancelled'],
  pushing: ['updating_gitops', 'failed', 'cancelled'],
  updating_gitops: ['syncing', 'failed', 'cancelled'],
  syncing: ['deployed', 'failed', 'rolled_back', 'cancelled'],
  deployed: [],
  failed: [],
  rolled_back: [],
  superseded: [],
  cancelled: [],
};

export const STEP_NAMES = ['queue', 'approval', 'build', 'push', 'gitops', 'sync', 'rollback'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface RunStep {
  name: StepName;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt: string;
  endedAt?: string | undefined;
  detail?: string | undefined;
}

export interface ImageRef {
  /** e.g. registry.example.com/wharf/storefront:r0abc… */
  reference: string;
  /** sha256:… of the image (or, with no image builder, of the built files). */
  digest: string;
}

/**
 * Who started a run. A bad rollout is rolled back inside its own run (RollBackToPrevious, status
 * `rolled_back`), so no run is started by the platform itself.
 */
export type RunTrigger = 'user' | 'webhook';

/** A release of an earlier environment, promoted by its image digest (never rebuilt). */
export interface PromotionSource {
  releaseId: string;
  environment: Environment;
  number: number;
}

/**
 * A run into an environment with `requiresApproval` waits for a workspace owner. The Step Functions
 * task token that resumes it is stored apart from the run (never in an API answer).
 */
export interface RunApproval {
  state: 'waiting' | 'approved' | 'rejected' | 'expired';
  /** When the wait started and when it ends `cancelled` unless decided. */
  requestedAt: string;
  expiresAt: string;
  decidedBy?: string | undefined;
  decidedAt?: string | undefined;
  /** A rejection's reason (required), or an approval's note. */
  reason?: string | undefined;
}

/**
 * A commit as people recognise it: its SHA, the first line of its message and its author. Deploys
 * know it from the push (GitHub's head_commit) or the build's checkout; releases keep their run's.
 */
export interface CommitInfo {
  sha: string;
  message?: string | undefined;
  author?: string | undefined;
}

/** Who cancelled a run (`POST …/deployments/{runId}/cancel`), when and why. */
export interface RunCancellation {
  by: string;
  at: string;
  reason?: string | undefined;
}

export interface Run {
  id: string;
  workspaceId: string;
  projectId: string;
  projectName: string;
  environment: Environment;
  kind: RunKind;
  status: RunStatus;
  trigger: RunTrigger;
  requestedBy: string;
  /** Deploys: what to build. */
  source?: { repositoryUrl: string; branch: string; commit?: string | undefined } | undefined;
  /** Rollbacks: the release whose manifests are committed again. Promotions: the source release. */
  targetReleaseId?: string | undefined;
  /** Promotions: the release of an earlier environment whose image this run deploys. */
  promotedFrom?: PromotionSource | undefined;
  /** Rollbacks: the reason given (recorded in the release and the GitOps commit message). */
  reason?: string | undefined;
  /** Set when the target environment requires approval. */
  approval?: RunApproval | undefined;
  /** The release this run recorded (deploys and rollbacks that succeed). */
  releaseId?: string | undefined;
  executionArn?: string | undefined;
  buildId?: string | undefined;
  image?: ImageRef | undefined;
  images?: Record<string, ImageRef> | undefined;
  /** Set when the GitOps commit is made: what RecordRelease records. */
  pendingRelease?: PendingRelease | undefined;
  /** The source commit that was built. */
  sourceCommit?: string | undefined;
  /** The built commit with its message and author, when known. */
  commit?: CommitInfo | undefined;
  /**
   * Rollbacks and promotions: the release they restore or promote, by number and commit, so titles read
   * "Rollback to #1 (6c6059f 'Fix header')" without another read.
   */
  target?: { releaseNumber: number; environment: Environment; commit?: CommitInfo | undefined } | undefined;
  cancellation?: RunCancellation | undefined;
  gitopsCommit?: string | undefined;
  steps: RunStep[];
  failureReason?: string | undefined;
  /** What to do next, for a failed run: shown next to the reason. */
  hint?: string | undefined;
  /** When the fix is a project setting: its API field path (`repository.url`), which the UI links to. */
  hintField?: string | undefined;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string | undefined;
}

export interface Release {
  id: string;
  /** 1, 2, 3… per project environment. */
  number: number;
  workspaceId: string;
  projectId: string;
  environment: Environment;
  runId: string;
  kind: RunKind;
  /** For a rollback: the release it restored. */
  rollbackOf?: string | undefined;
  /** For a promotion: the release of the earlier environment whose image this is. */
  promotedFrom?: PromotionSource | undefined;
  /** For a rollback: the reason given. */
  reason?: string | undefined;
  image: ImageRef;
  images?: Record<string, ImageRef> | undefined;
  sourceCommit?: string | undefined;
  /** The source commit with its message and author, when its run knew them. */
  commit?: CommitInfo | undefined;
  /** The values.yaml committed for this release (human-readable desired state). */
  values: string;
  /** Names only: values of secrets never leave the secret store. */
  envNames: string[];
  gitopsCommit: string;
  /** The commit and its diff in the GitOps repository's web view (GitHub), when it has one. */
  gitopsCommitUrl?: string | undefined;
  gitopsDiffUrl?: string | undefined;
  gitopsPath: string;
  /** The Argo CD application name (from release.json). */
  appName: string;
  liveUrl?: string | undefined;
  createdBy: string;
  createdAt: string;
}

export interface PendingRelease {
  id: string;
  number: number;
  gitopsPath: string;
  appName: string;
  namespace: string;
  values: string;
  envNames: string[];
  liveUrl?: string | undefined;
  rollbackOf?: string | undefined;
  promotedFrom?: PromotionSource | undefined;
  reason?: string | undefined;
}

export type LogStream = 'build' | 'workflow';

export interface LogLine {
  seq: number;
  at: string;
  stream: LogStream;
  text: string;
}

/** Messages pushed to WebSocket subscribers of a run. */
export type RunEvent =
  | { type: 'log'; runId: string; lines: LogLine[] }
  | {
      type: 'status';
      runId: string;
      status: RunStatus;
      steps: RunStep[];
      failureReason?: string | undefined;
      releaseId?: string | undefined;
    }
  | { type: 'run'; runId: string; projectId: string; workspaceId: string; status: RunStatus };
