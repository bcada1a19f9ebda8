import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { PLATFORM_SECRETS } from '../../../functions/lib/platform-secret.ts';
import type { StageConfig } from '../config.ts';
import { accessOf } from '../handler-access.ts';
import { type ConnectionsEndpoint, ControlPlaneFunction } from './control-plane-function.ts';

/** What the handlers may be bound to; each function takes only what its access profile names. */
export interface HandlerBindings {
  config: StageConfig;
  table: ITableV2;
  /** The GitHub webhook secret; only the webhook handler reads it. */
  webhookSecret?: ISecret | undefined;
  /** The delivery systems' credentials; a function reads only those of the adapters it uses. */
  deliverySecrets?: { jenkinsToken: ISecret; githubCredentials: ISecret; argoCdToken: ISecret } | undefined;
  stateMachine: { arn: string; name: string };
  connections: ConnectionsEndpoint;
}

/** `http/projects/create` → `HttpProjectsCreate`: stable construct ids from handler modules. */
export const constructIdFor = (handler: string) =>
  handler
    .split(/[/_-]/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

/**
 * Creates the function of one handler module and applies its access profile (handler-access.ts):
 * settings and grants follow from what the handler uses, nothing more.
 */
export function handlerFunction(
  scope: Construct,
  handler: string,
  description: string,
  bindings: HandlerBindings,
  options: { timeout?: Duration; memorySize?: number } = {},
): ControlPlaneFunction {
  const access = accessOf(handler);
  const { config } = bindings;
  const environment: Record<string, string> = {};
  const adapters = access.adapters ?? [];
  if (adapters.includes('build')) {
    environment.WHARF_BUILD_SERVICE = 'jenkins';
    environment.WHARF_JENKINS_URL = config.jenkins.url;
    environment.WHARF_JENKINS_USER = config.jenkins.user;
    environment.WHARF_JENKINS_JOB = config.jenkins.job;
  }
  if (adapters.includes('gitops')) {
    const { github } = config;
    environment.WHARF_GITOPS = 'github';
    environment.WHARF_GITHUB_REPOSITORY = github.repository;
    environment.WHARF_GITHUB_BRANCH = github.branch;
    if (github.apiUrl) environment.WHARF_GITHUB_API_URL = github.apiUrl;
    if (github.webUrl) environment.WHARF_GITHUB_WEB_URL = github.webUrl;
    if (github.appId) environment.WHARF_GITHUB_APP_ID = github.appId;
    if (github.installationId) environment.WHARF_GITHUB_INSTALLATION_ID = github.installationId;
  }
  if (adapters.includes('sync')) {
    environment.WHARF_SYNC = 'argocd';
    environment.WHARF_ARGOCD_URL = config.argoCd.url;
    environment.WHARF_ARGOCD_REFRESH = config.argoCd.refresh;
  }
  if (access.platform) {
    environment.WHARF_PLATFORM_DOMAIN = config.platformDomain;
    if (config.ingressHost) environment.WHARF_INGRESS_HOST = config.ingressHost;
    environment.WHARF_IMAGE_REGISTRY = config.imageRegistry;
    environment.WHARF_CLUSTER_ISSUER = config.clusterIssuer;
    environment.WHARF_SECRET_STORE = config.secretStore;
    if (config.backupBucket) environment.WHARF_BACKUP_BUCKET = config.backupBucket;
  }
  if (access.verifiesTokens) {
    environment.WHARF_JWT_ISSUER = config.oidc.issuer;
    environment.WHARF_JWT_AUDIENCE = config.oidc.audience;
    if (config.oidc.jwksUri) environment.WHARF_JWKS_URI = config.oidc.jwksUri;
  }

  const fn = new ControlPlaneFunction(scope, constructIdFor(handler), {
    handler,
    description,
    stage: config.stage,
    logRetention: config.logRetentionDays as RetentionDays,
    environment,
    timeout: options.timeout ?? Duration.seconds(access.timeoutSeconds ?? 10),
    ...(options.memorySize ? { memorySize: options.memorySize } : {}),
  });
  if (access.table) fn.bindTable(bindings.table, access.table);
  if (access.projectSecrets) {
    fn.manageProjectSecrets({
      write: access.projectSecrets !== 'read',
      read: access.projectSecrets === 'read' || access.projectSecrets === 'readWrite',
    });
  }
  if (access.webhookSecret) {
    if (!bindings.webhookSecret) throw new Error(`${handler} reads the webhook secret, but none was given`);
    fn.readSecret(bindings.webhookSecret, PLATFORM_SECRETS.webhook.arn);
  }
  if (adapters.length > 0) {
    const secrets = bindings.deliverySecrets;
    if (!secrets)
      throw new Error(`${handler} uses ${adapters.join(', ')}, but no delivery secrets were given`);
    if (adapters.includes('build')) fn.readSecret(secrets.jenkinsToken, PLATFORM_SECRETS.jenkins.arn);
    if (adapters.includes('gitops')) fn.readSecret(secrets.githubCredentials, PLATFORM_SECRETS.github.arn);
    if (adapters.includes('sync')) fn.readSecret(secrets.argoCdToken, PLATFORM_SECRETS.argocd.arn);
  }
  if (access.startsWorkflow) fn.startExecutions(bindings.stateMachine.arn);
  if (access.inspectsWorkflow) fn.describeExecutions(bindings.stateMachine.arn, bindings.stateMachine.name);
  if (access.resumesWorkflow) fn.sendTaskResults(bindings.stateMachine.arn);
  if (access.stopsWorkflow) fn.stopExecutions(bindings.stateMachine.arn, bindings.stateMachine.name);
  if (access.pushesToConnections) fn.pushToConnections(bindings.connections);
  if (access.listsBackups && config.backupBucket) fn.listBackups(config.backupBucket);
  return fn;
}
