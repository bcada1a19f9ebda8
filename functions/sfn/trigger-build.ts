import { makeTriggerBuild } from '../../shared/use-cases/workflow/trigger-build.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { buildService } from '../lib/wiring/build.ts';
import { journal } from '../lib/wiring/live.ts';
import { platform } from '../lib/wiring/platform.ts';
import { projects, runs } from '../lib/wiring/table.ts';

export const handler = sfnTask(
  'TriggerBuild',
  makeTriggerBuild({
    runs: runs(),
    projects: projects(),
    build: buildService(),
    journal: journal(),
    platform: platform(),
  }),
);
