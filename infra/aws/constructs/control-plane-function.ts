import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  Charset,
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { tableDefinition } from '../../../functions/adapters/dynamodb/table.ts';
import { acknowledgeWildcardResource } from '../nag.ts';
import { functionsDir, repoRoot } from '../paths.ts';

/** The DynamoDB actions the adapters issue (Get/BatchGet/Query to read; Put/Update/Delete/transactions to write). No Scan. */
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

/**
 * ESM needs `require` for the few CommonJS dependencies esbuild leaves as `require()` calls.
 * The handlers must be ESM: webhooks/github.ts awaits its secret at the top level.
 */
const ESM_REQUIRE_BANNER =
  "import{createRequire}from'node:module';const require=createRequire(import.meta.url);";

export interface ControlPlaneFunctionProps {
  /** The handler module under functions/, e.g. `http/projects/create` (it exports `handler`). */
  handler: string;
  /** What the function is for, shown in the console. */
  description: string;
  stage: string;
  logRetention: RetentionDays;
  timeout?: Duration;
  memorySize?: number;
  /** Settings this handler reads (functions/lib/wiring/); the shared ones are added here. */
  environment?: Record<string, string>;
}

/** The WebSocket API stage whose connections a function may push to. */
export interface ConnectionsEndpoint {
  apiId: string;
  stageName: string;
  /** https://<api>.execute-api.<region>.amazonaws.com/<stage> (WHARF_WS_ENDPOINT). */
  callbackUrl: string;
}

/**
 * The one way Wharf runs a handler in AWS: Node.js 24 on arm64, bundled by local esbuild to one
 * minified ESM file with the AWS SDK inside (a pinned, tree-shaken SDK instead of the runtime's copy)
 * and a source map, its own log group with a retention, X-Ray active, and a role that starts empty:
 * each grant helper below adds exactly what that handler calls, on exactly those resources, and
 * acknowledges the cdk-nag finding it has to cause, with the reason.
 */
export class ControlPlaneFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly handlerModule: string;

  constructor(scope: Construct, id: string, props: ControlPlaneFunctionProps) {
    super(scope, id);
    this.handlerModule = props.handler;
    const entry = join(functionsDir, `${props.handler}.ts`);
    if (!existsSync(entry)) throw new Error(`No handler module functions/${props.handler}.ts`);

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/wharf/${props.stage}/functions/${props.handler}`,
      retention: props.logRetention,
      // The function's logs live and go with this stateless stack; retention bounds them meanwhile.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Wharf ${props.stage} ${props.handler}: only what this handler calls`,
    });
    // Instead of AWSLambdaBasicExecutionRole (any log group): this function's own log group only.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.description.slice(0, 256),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: {
        WHARF_MODE: 'cloud',
        LOG_LEVEL: 'info',
        // Powertools Logger, Metrics and Tracer (functions/lib/observability.ts): the service on every
        // log line and trace, and the CloudWatch namespace of the EMF metrics (RunFinished, …).
        POWERTOOLS_SERVICE_NAME: 'wharf',
        POWERTOOLS_METRICS_NAMESPACE: 'Wharf',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        // No Docker here or in CI: the esbuild in node_modules bundles.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        esbuildArgs: { '--tree-shaking': 'true' },
        bundleAwsSDK: true,
        externalModules: [],
        charset: Charset.UTF8,
        logLevel: LogLevel.ERROR,
      },
    });
    // Lets bundle-size tooling (infra/aws/bundles.ts) name the function's asset by its handler.
    (this.function.node.defaultChild as CfnFunction).addMetadata('wharf:handler', props.handler);

    this.acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions; CDK adds them for active tracing.',
    );
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * The table (WHARF_TABLE_NAME) and, for queries, its indexes: by name, not `index/*`. Reads are
   * Get/BatchGet/Query; readWrite adds the writes the adapters issue (transactions included).
   */
  bindTable(table: ITableV2, access: 'read' | 'readWrite'): this {
    this.addEnvironment('WHARF_TABLE_NAME', table.tableName);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: access === 'read' ? TABLE_READ : [...TABLE_READ, ...TABLE_WRITE],
        resources: [table.tableArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: tableDefinition.globalSecondaryIndexes.map(
          (gsi) => `${table.tableArn}/index/${gsi.indexName}`,
        ),
      }),
    );
    return this;
  }

  /**
   * Project env var secrets: the use cases name them `wharf/<workspace>/<project>/<var>/<token>`, so
   * the grant is that name prefix. TagResource: CreateSecret sets the `wharf:managed` tag.
   */
  manageProjectSecrets(access: { write: boolean; read: boolean } = { write: true, read: false }): this {
    const arn = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: 'wharf/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const actions = [
      ...(access.write
        ? [
            'secretsmanager:CreateSecret',
            'secretsmanager:PutSecretValue',
            'secretsmanager:DeleteSecret',
            'secretsmanager:TagResource',
          ]
        : []),
      // Only the database credential handlers read values back (reveal, and a rotation's undo).
      ...(access.read ? ['secretsmanager:GetSecretValue'] : []),
    ];
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [arn] }));
    acknowledgeWildcardResource(
      this,
      arn,
      'Project secrets are created per env var and per database environment at request time (wharf/<workspace>/<project>/…); the grant is limited to that name prefix, which holds nothing else.',
    );
    return this;
  }

  /** Reads one secret's value, named by `envName`; nothing else of Secrets Manager. */
  readSecret(secret: ISecret, envName: string): this {
    this.addEnvironment(envName, secret.secretArn);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    return this;
  }

  /**
   * Lists database backups in the backup bucket (WHARF_BACKUP_BUCKET): s3:ListBucket, only for the
   * `<workspace>/<project>/production/` prefixes the backup CronJobs write; no object is read.
   */
  listBackups(bucket: string): this {
    this.addEnvironment('WHARF_BACKUP_BUCKET', bucket);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: bucket })],
        conditions: { StringLike: { 's3:prefix': ['*/*/production/'] } },
      }),
    );
    return this;
  }

  /** Starts DeployProject executions (WHARF_STATE_MACHINE_ARN), named after their run. */
  startExecutions(stateMachineArn: string): this {
    this.addEnvironment('WHARF_STATE_MACHINE_ARN', stateMachineArn);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }),
    );
    return this;
  }

  /**
   * Answers DeployProject's waiting tasks (SendTaskSuccess / SendTaskFailure). IAM authorizes these
   * on the state machine ARN (the token names the execution), so that is the only resource.
   */
  sendTaskResults(stateMachineArn: string): this {
    this.addEnvironment('WHARF_STATE_MACHINE_ARN', stateMachineArn);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [stateMachineArn],
      }),
    );
    return this;
  }

  /** Describes DeployProject executions: each run's execution, named at start, so only a name pattern fits. */
  describeExecutions(stateMachineArn: string, stateMachineName: string): this {
    return this.grantOnExecutions('states:DescribeExecution', stateMachineArn, stateMachineName);
  }

  /**
   * Stops DeployProject executions (a user's Cancel). IAM authorizes StopExecution on the execution
   * ARN, known only at run time, so the grant is a name pattern on DeployProject's executions.
   */
  stopExecutions(stateMachineArn: string, stateMachineName: string): this {
    return this.grantOnExecutions('states:StopExecution', stateMachineArn, stateMachineName);
  }

  /** One action on DeployProject's executions: their ARNs end in the run id, so a name pattern. */
  private grantOnExecutions(action: string, stateMachineArn: string, stateMachineName: string): this {
    this.addEnvironment('WHARF_STATE_MACHINE_ARN', stateMachineArn);
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: [action], resources: [executions] }));
    acknowledgeWildcardResource(
      this,
      executions,
      `Execution ARNs end in the run id, known only at run time; the grant is ${action.replace('states:', '')} on DeployProject executions only.`,
    );
    return this;
  }

  /** postToConnection on one WebSocket API stage (WHARF_WS_ENDPOINT): POST /@connections/{id} only. */
  pushToConnections(endpoint: ConnectionsEndpoint): this {
    this.addEnvironment('WHARF_WS_ENDPOINT', endpoint.callbackUrl);
    const connections = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: endpoint.apiId,
      resourceName: `${endpoint.stageName}/POST/@connections/*`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [connections] }),
    );
    acknowledgeWildcardResource(
      this,
      connections,
      'Connection ids are created by API Gateway at $connect; the grant is POST /@connections/* on this one WebSocket API stage.',
    );
    return this;
  }

  /** Records a cdk-nag acknowledgement on this function (its role, policy, log group), with its reason. */
  acknowledge(id: string, reason: string): this {
    Validations.of(this).acknowledge({ id, reason });
    return this;
  }
}
