import type {
  ApprovalRepository,
  BuildService,
  DeployTurnRepository,
  GitOpsRepository,
  ReleaseRepository,
  RunRepository,
  SyncService,
  WorkflowEngine,
} from '../deploy-ports.ts';
import type { BootstrapTarget } from '../manifests/index.ts';
import type { PlatformConfig } from '../manifests/types.ts';
import type { Clock, ProjectRepository, UserRepository, WorkspaceRepository } from '../ports.ts';
import type { RunJournal } from '../use-cases/run-journal.ts';
import { makeAwaitApproval } from '../use-cases/workflow/await-approval.ts';
import { makeCheckSync } from '../use-cases/workflow/check-sync.ts';
import { makeCommitDesiredState } from '../use-cases/workflow/commit-desired-state.ts';
import type { DeployTask, WorkflowLimits } from '../use-cases/workflow/contract.ts';
import { makeEndUnapprovedRun } from '../use-cases/workflow/end-unapproved-run.ts';
import { type FailureHints, makeFailRun, WORKFLOW_HINTS } from '../use-cases/workflow/fail-run.ts';
import { makeFinishRun } from '../use-cases/workflow/finish-run.ts';
import { makePollBuild } from '../use-cases/workflow/poll-build.ts';
import { makeRecordRelease } from '../use-cases/workflow/record-release.ts';
import { makeRequestSync } from '../use-cases/workflow/request-sync.ts';
import { makeRollBackToPrevious } from '../use-cases/workflow/roll-back-to-previous.ts';
import { makeStartRun } from '../use-cases/workflow/start-run.ts';
import { makeTriggerBuild } from '../use-cases/workflow/trigger-build.ts';
import { InMemoryApprovals } from './in-memory-approvals.ts';

/** Every port some workflow task takes; the in-memory runs stand in for the turns and releases too. */
export interface WorkflowTestPorts {
  runs: RunRepository & DeployTurnRepository & ReleaseRepository;
  projects: ProjectRepository;
  workspaces: WorkspaceRepository;
  users: UserRepository;
  build: BuildService;
  gitops: GitOpsRepository;
  sync: SyncService;
  workflow: WorkflowEngine;
  journal: RunJournal;
  clock: Clock;
  platform: PlatformConfig & { imageRegistry: string };
  limits: WorkflowLimits;
  hints?: FailureHints;
  bootstrap?: BootstrapTarget;
  approvals?: ApprovalRepository;
}

export const TEST_BOOTSTRAP: BootstrapTarget = {
  repoUrl: 'https://github.com/acme/gitops.git',
  revision: 'main',
  argoNamespace: 'argocd',
};

/** All the tasks over one set of ports, keyed by their state names in camelCase (`CheckSync` → `checkSync`). */
export function makeDeployTasks(ports: WorkflowTestPorts) {
  const p = {
    ...ports,
    turns: ports.runs,
    releases: ports.runs,
    hints: ports.hints ?? WORKFLOW_HINTS,
    bootstrap: ports.bootstrap ?? TEST_BOOTSTRAP,
    approvals: ports.approvals ?? new InMemoryApprovals(),
  };
  return {
    awaitApproval: makeAwaitApproval(p),
    endUnapprovedRun: makeEndUnapprovedRun(p),
    startRun: makeStartRun(p),
    triggerBuild: makeTriggerBuild(p),
    pollBuild: makePollBuild(p),
    commitDesiredState: makeCommitDesiredState(p),
    requestSync: makeRequestSync(p),
    checkSync: makeCheckSync(p),
    recordRelease: makeRecordRelease(p),
    finishRun: makeFinishRun(p),
    rollBackToPrevious: makeRollBackToPrevious(p),
    failRun: makeFailRun(p),
  } satisfies Record<Uncapitalize<DeployTask>, unknown>;
}
