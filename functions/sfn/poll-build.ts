import { makePollBuild } from '../../shared/use-cases/workflow/poll-build.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { buildService } from '../lib/wiring/build.ts';
import { journal } from '../lib/wiring/live.ts';
import { runs } from '../lib/wiring/table.ts';
import { workflowLimits } from '../lib/wiring/workflow.ts';

export const handler = sfnTask(
  'PollBuild',
  makePollBuild({ runs: runs(), build: buildService(), journal: journal(), limits: workflowLimits() }),
);
