import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { tableDefinition } from '../../../functions/adapters/dynamodb/table.ts';
import type { StageConfig } from '../config.ts';

export interface StatefulStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The platform's credentials for the services it drives. Operators put the values (README, "Deploy to
 * AWS"). Each is readable only by the functions whose adapters use it (the Jenkins, GitHub and Argo CD
 * delivery adapters of the workflow tasks, the webhook handler): see handler-functions.ts.
 */
export interface PlatformSecrets {
  /** The Jenkins user's API token. */
  jenkinsToken: Secret;
  /** The GitHub App private key or fine-grained token that writes the GitOps repository. */
  githubCredentials: Secret;
  /** The Argo CD API token (refresh, read sync status). */
  argoCdToken: Secret;
  /** The GitHub webhook's HMAC secret (generated; paste it into the webhook settings). */
  githubWebhookSecret: Secret;
}

/**
 * What outlives deploys: the one table and the platform secrets (retained, termination-protected),
 * the alarm topic (its email subscription is confirmed once), and API Gateway's account-wide logging
 * role. Everything that can be recreated from code lives in the stateless stacks.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly secrets: PlatformSecrets;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { config } = props;

    const def = tableDefinition;
    this.table = new TableV2(this, 'Table', {
      tableName: `wharf-${config.stage}`,
      partitionKey: { name: def.partitionKey, type: AttributeType.STRING },
      sortKey: { name: def.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((gsi) => ({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: AttributeType.STRING },
      })),
      timeToLiveAttribute: def.timeToLiveAttribute,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Names outside the `wharf/` prefix the project-secret handlers may write and delete under.
    const secret = (id: string, name: string, description: string, generated = false) => {
      const s = new Secret(this, id, {
        secretName: `wharf-platform/${config.stage}/${name}`,
        description,
        removalPolicy: RemovalPolicy.RETAIN,
        ...(generated ? { generateSecretString: { passwordLength: 64, excludePunctuation: true } } : {}),
      });
      Validations.of(s).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: generated
          ? 'The webhook secret is shared with GitHub by hand; rotating it means updating the GitHub webhook in the same step, so it is rotated by an operator.'
          : `The ${name} value is issued by an external system Wharf cannot call to rotate; operators rotate it there and put the new value here.`,
      });
      return s;
    };
    this.secrets = {
      jenkinsToken: secret(
        'JenkinsToken',
        'jenkins',
        'Jenkins remote API token of the Wharf user (the build tasks read it)',
      ),
      githubCredentials: secret(
        'GithubCredentials',
        'github',
        'GitHub App private key (PEM) or fine-grained token with contents:write on the GitOps repository (the GitOps tasks read it)',
      ),
      argoCdToken: secret('ArgoCdToken', 'argocd', 'Argo CD API token (the sync tasks read it)'),
      githubWebhookSecret: secret(
        'GithubWebhookSecret',
        'github-webhook',
        'HMAC secret of the GitHub push webhook (X-Hub-Signature-256)',
        true,
      ),
    };

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      topicName: `wharf-${config.stage}-alarms`,
      displayName: `Wharf ${config.stage} alarms`,
      // Alarm notifications carry alarm names and metric values only: no encryption key needed.
      enforceSSL: true,
    });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    if (config.manageApiGatewayAccountRole) {
      // API Gateway writes WebSocket stage logs through one role per account and region.
      const role = new Role(this, 'ApiGatewayCloudWatchRole', {
        assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
        managedPolicies: [
          ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        ],
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway names its execution log groups itself (API-Gateway-Execution-Logs_*); the AWS managed policy is the documented role for the account-wide logging setting.',
      });
      // Both outlive the stack: other APIs in the account may log through this setting by then.
      role.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const account = new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
      account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }
}
