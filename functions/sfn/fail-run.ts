import '../lib/delivery/jenkins.ts';
import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask(null, (tasks, state) => tasks.failRun(state));
