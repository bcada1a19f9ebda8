import '../lib/delivery/argocd.ts';
import '../lib/delivery/github.ts';
import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask('rollback', (tasks, state) => tasks.rollBackToPrevious(state));
