import { SFNClient } from '@aws-sdk/client-sfn';
import type { WorkflowEngine } from '../../../shared/deploy-ports.ts';
import type { WorkflowLimits } from '../../../shared/use-cases/workflow/contract.ts';
import { StepFunctionsWorkflow } from '../../adapters/stepfunctions/workflow-engine.ts';
import { optionalSetting, positiveInt, setting } from '../config.ts';
import { port, settings } from './ports.ts';

/** The DeployProject state machine (Step Functions in AWS, the local endpoint on the local stack). */
export const workflowEngine = port('workflowEngine', (): WorkflowEngine => {
  const { env, region } = settings();
  const endpoint = optionalSetting(env, 'SFN_ENDPOINT');
  return new StepFunctionsWorkflow(
    new SFNClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) }),
    setting(env, 'WHARF_STATE_MACHINE_ARN', 'the DeployProject state machine ARN'),
  );
});

let limits: WorkflowLimits | undefined;
/** How many rounds the workflow's loops may take (the local stack shortens its waits and raises these). */
export function workflowLimits(): WorkflowLimits {
  const { env } = settings();
  limits ??= {
    turnWaits: positiveInt(env, 'WHARF_LIMIT_TURN_WAITS', 1800),
    buildPolls: positiveInt(env, 'WHARF_LIMIT_BUILD_POLLS', 720),
    syncChecks: positiveInt(env, 'WHARF_LIMIT_SYNC_CHECKS', 120),
  };
  return limits;
}
