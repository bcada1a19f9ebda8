import { ExecutionDoesNotExist, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { StepFunctionsWorkflow } from './workflow-engine.ts';

const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:DeployProject';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:DeployProject:r0123456789';
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

describe('StepFunctionsWorkflow.stop', () => {
  const workflow = () => new StepFunctionsWorkflow(new SFNClient({ region: 'eu-west-1' }), stateMachineArn);

  it('sends StopExecution with the error and cause', async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    await workflow().stop(executionArn, 'Wharf.Cancelled', 'Cancelled by alice.');
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn, error: 'Wharf.Cancelled', cause: 'Cancelled by alice.' },
    ]);
  });

  it('an execution that no longer exists has nothing left to stop; other errors reach the caller', async () => {
    sfn
      .on(StopExecutionCommand)
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(workflow().stop(executionArn, 'Wharf.Cancelled', 'x')).resolves.toBeUndefined();
    await expect(workflow().stop(executionArn, 'Wharf.Cancelled', 'x')).rejects.toThrow('Rate exceeded');
  });
});
