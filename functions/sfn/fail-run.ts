import { makeFailRun } from '../../shared/use-cases/workflow/fail-run.ts';
import { sfnTask } from '../lib/sfn-handler.ts';
import { runEndingPorts } from '../lib/wiring/run-ending-ports.ts';

export const handler = sfnTask('FailRun', makeFailRun(runEndingPorts()));
