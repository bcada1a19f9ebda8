import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { WorkflowEngine, WorkflowInput } from '../../../shared/deploy-ports.ts';

/** Starts DeployProject executions, named after their run, so operators go from a run to its execution. */
export class StepFunctionsWorkflow implements WorkflowEngine {
  private readonly client: SFNClient;

  constructor(
    client: SFNClient,
    private readonly stateMachineArn: string,
  ) {
    this.client = client;
  }

  private executionArn(name: string) {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async start(input: WorkflowInput) {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.runId,
          input: JSON.stringify(input),
        }),
      );
      return { executionArn: out.executionArn ?? this.executionArn(input.runId) };
    } catch (error) {
      // Started already (a retried request): the run's execution exists under its name.
      if (error instanceof ExecutionAlreadyExists) return { executionArn: this.executionArn(input.runId) };
      throw error;
    }
  }

  async isRunning(executionArn: string) {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return out.status === 'RUNNING';
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  }

  async sendTaskSuccess(taskToken: string, output: unknown) {
    await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? {}) }));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string) {
    await this.client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
  }
  /** StopExecution: the execution ends ABORTED, its EventBridge status event ends the run. */
  async stop(executionArn: string, error: string, cause: string) {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, error, cause }));
    } catch (err) {
      // Ended and expired from the history already: there is nothing left to stop.
      if ((err as Error).name === 'ExecutionDoesNotExist') return;
      throw err;
    }
  }
}
