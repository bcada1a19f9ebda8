import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask('turn', (tasks, state) => tasks.startRun(state));
