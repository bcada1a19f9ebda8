import '../lib/delivery/argocd.ts';
import { sfnTask } from '../lib/sfn-handler.ts';

export const handler = sfnTask(null, (tasks, state) => tasks.requestSync(state));
