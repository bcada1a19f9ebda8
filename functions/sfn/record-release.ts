import '../lib/delivery/github.ts';
import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask('release', (tasks, state) => tasks.recordRelease(state));
