import { makeCommitDesiredState } from '../../shared/use-cases/workflow/commit-desired-state.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { gitopsBootstrapTarget, gitopsRepository } from '../lib/wiring/gitops.ts';
import { journal } from '../lib/wiring/live.ts';
import { platform } from '../lib/wiring/platform.ts';
import { deployTurns, projects, releases, runs, users, workspaces } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'CommitDesiredState',
  makeCommitDesiredState({
    runs: runs(),
    turns: deployTurns(),
    releases: releases(),
    projects: projects(),
    workspaces: workspaces(),
    users: users(),
    gitops: gitopsRepository(),
    journal: journal(),
    platform: platform(),
    bootstrap: gitopsBootstrapTarget(),
  }),
);
