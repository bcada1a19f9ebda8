import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { EXECUTION_ENDED_STATUSES, eventRoutes } from '../../../functions/routes.ts';
import {
  CALLBACK_TIMEOUT_SECONDS,
  DEPLOY_PROJECT,
  type DeployProjectTask,
  deployProjectDefinitionFor,
  deployProjectTasks,
  functionArnVariable,
} from '../../../functions/sfn/definition.ts';
import { CALLBACK_TASKS } from '../../../shared/use-cases/workflow/contract.ts';
import type { StageConfig } from '../config.ts';
import type { ControlPlaneFunction } from '../constructs/control-plane-function.ts';
import { type HandlerBindings, handlerFunction } from '../constructs/handler-functions.ts';
import { importedConnectionsEndpoint, stateMachineArn, stateMachineName } from '../names.ts';

export interface WorkflowStackProps extends StackProps {
  config: StageConfig;
  table: ITableV2;
  alarmTopic: ITopic;
  /** Jenkins, GitHub and Argo CD credentials (the Stateful stack's secrets). */
  deliverySecrets: NonNullable<HandlerBindings['deliverySecrets']>;
}

const callbackTasks: ReadonlySet<string> = new Set(CALLBACK_TASKS);

interface TaskState {
  Type: string;
  TimeoutSeconds?: number;
  Comment?: string;
}

/**
 * DeployProject: the ASL document of functions/sfn (the one the local stack runs), with each task
 * state's `${<Task>FunctionArn}` substituted by that task's function. Standard type, every
 * execution logged (level ALL) and traced; the role may invoke those functions and nothing else.
 */
export class WorkflowStack extends Stack {
  readonly stateMachine: StateMachine;
  readonly tasks = new Map<DeployProjectTask, ControlPlaneFunction>();
  /** Ends the run of an execution that stopped without FailRun (events/execution-status). */
  readonly executionStatus: ControlPlaneFunction;

  constructor(scope: Construct, id: string, props: WorkflowStackProps) {
    super(scope, id, props);
    const { config } = props;
    const name = stateMachineName(config);
    // By export name, after the API stack (see names.ts).
    const connections = importedConnectionsEndpoint(config);
    const bindings: HandlerBindings = {
      config,
      table: props.table,
      deliverySecrets: props.deliverySecrets,
      stateMachine: { arn: stateMachineArn(this, config), name },
      connections,
    };
    const definition = deployProjectDefinitionFor({
      approvalTimeoutSeconds: config.approvalTimeoutHours * 3600,
    });
    const states = (JSON.parse(definition) as { States: Record<string, TaskState> }).States;

    for (const [task, handler] of Object.entries(deployProjectTasks) as [DeployProjectTask, string][]) {
      const state = states[task];
      if (state?.Type !== 'Task') throw new Error(`DeployProject has no task state ${task}`);
      // The function gives up before the state's own timeout, so the state sees its error, not
      // States.Timeout. A callback task's timeout is the wait for its token; its function only
      // records the token.
      const stateTimeout = callbackTasks.has(task) ? CALLBACK_TIMEOUT_SECONDS : (state.TimeoutSeconds ?? 120);
      this.tasks.set(
        task,
        handlerFunction(this, handler, `${DEPLOY_PROJECT} ${task}: ${state.Comment ?? handler}`, bindings, {
          timeout: Duration.seconds(Math.max(10, stateTimeout - 15)),
        }),
      );
    }

    const role = new Role(this, 'StateMachineRole', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: `Wharf ${config.stage} ${DEPLOY_PROJECT}: invokes its task functions`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        // Unqualified ARNs: the definition invokes $LATEST of each function.
        resources: [...this.tasks.values()].map((fn) => fn.functionArn),
      }),
    );

    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      // The /aws/vendedlogs/ prefix keeps the Logs resource policy small as state machines add up.
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'DeployProject', {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        [...this.tasks].map(([task, fn]) => [functionArnVariable(task), fn.functionArn]),
      ),
      role,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (CreateLogDelivery, …) and X-Ray (PutTraceSegments, …) have no resource-level permissions; CDK adds them for logging level ALL and tracing.',
    });

    // No stuck run: an execution aborted from the console, timed out, or failed without reaching
    // FailRun (a crashed function) still ends its run, with the cause, and frees the turn.
    this.executionStatus = handlerFunction(
      this,
      eventRoutes.executionStatus,
      `Ends the run of a ${DEPLOY_PROJECT} execution that failed, timed out or was aborted`,
      bindings,
      // Like FailRun, it may restore the desired state in Git.
      { timeout: Duration.seconds(60) },
    );
    new Rule(this, 'ExecutionEnded', {
      description: `${DEPLOY_PROJECT} executions that ended FAILED, TIMED_OUT or ABORTED: their run ends too`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: [...EXECUTION_ENDED_STATUSES],
          stateMachineArn: [this.stateMachine.stateMachineArn],
        },
      },
      // Retried by EventBridge for up to a day (its errors raise the alarm below).
      targets: [
        new LambdaFunction(this.executionStatus.function, {
          retryAttempts: 20,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    new Alarm(this, 'ExecutionStatusErrors', {
      alarmName: `wharf-${config.stage}-execution-status-errors`,
      alarmDescription:
        'A run whose execution failed, timed out or was aborted could not be ended. Check the execution-status function logs.',
      metric: this.executionStatus.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(props.alarmTopic));

    new Alarm(this, 'ExecutionsTimedOut', {
      alarmName: `wharf-${config.stage}-deploy-timed-out`,
      alarmDescription: `A ${DEPLOY_PROJECT} execution hit the workflow timeout: its run may not have ended cleanly.`,
      metric: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(props.alarmTopic));
    const failRun = this.tasks.get('FailRun');
    if (failRun) {
      new Alarm(this, 'FailRunErrors', {
        alarmName: `wharf-${config.stage}-fail-run-errors`,
        alarmDescription:
          'FailRun itself failed: a run may be left in progress. Check the FailRun function logs and the execution.',
        metric: failRun.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new SnsAction(props.alarmTopic));
    }

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ExecutionConsoleUrl', {
      description:
        'A run in the Step Functions console: replace <runId> with the run id (the execution name)',
      value: `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/v2/executions/details/arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${name}:<runId>`,
    });
  }
}
