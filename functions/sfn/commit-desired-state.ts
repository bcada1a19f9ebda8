import '../lib/delivery/github.ts';
import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask('gitops', (tasks, state) => tasks.commitDesiredState(state));
