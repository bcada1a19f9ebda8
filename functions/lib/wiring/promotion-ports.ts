import type { PromotionDeps, PromotionPreviewDeps } from '../../../shared/use-cases/promotions.ts';
import { journal } from './live.ts';
import { platform } from './platform.ts';
import { clock, ids } from './system.ts';
import { deployTurns, projects, releases, runs, workspaces } from './table.ts';
import { workflowEngine } from './workflow.ts';

/** What starting a promotion takes: the table (runs, releases, the target's turn) and the workflow. */
export const promotionPorts = (): PromotionDeps => ({
  workspaces: workspaces(),
  projects: projects(),
  runs: runs(),
  turns: deployTurns(),
  releases: releases(),
  workflow: workflowEngine(),
  journal: journal(),
  ids: ids(),
  clock: clock(),
});

/** What previewing one takes: the table and the platform settings the release is rendered with. */
export const promotionPreviewPorts = (): PromotionPreviewDeps => ({
  workspaces: workspaces(),
  projects: projects(),
  turns: deployTurns(),
  releases: releases(),
  platform: platform(),
});
