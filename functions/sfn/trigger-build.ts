import '../lib/delivery/jenkins.ts';
import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask('build', (tasks, state) => tasks.triggerBuild(state));
