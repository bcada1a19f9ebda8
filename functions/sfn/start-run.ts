import { makeStartRun } from '../../shared/use-cases/workflow/start-run.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { journal } from '../lib/wiring/live.ts';
import { deployTurns, projects, runs } from '../lib/wiring/table.ts';
import { workflowEngine, workflowLimits } from '../lib/wiring/workflow.ts';

export const handler = sfnTask(
  'StartRun',
  makeStartRun({
    runs: runs(),
    turns: deployTurns(),
    projects: projects(),
    workflow: workflowEngine(),
    journal: journal(),
    limits: workflowLimits(),
  }),
);
