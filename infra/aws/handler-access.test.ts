import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PortName } from '../../functions/lib/wiring/ports.ts';
import { accessOf, deployedHandlers, type HandlerAccess } from './handler-access.ts';

/**
 * Each deployed handler's grants (handler-access.ts) against what the handler really depends on: the
 * module is loaded as a cold start in AWS would load it (fresh module graph, cloud settings), and
 * the ports its wiring made are read back. A port used without its grant fails here, and so does a
 * grant that no port needs.
 */

const TABLE_PORTS: PortName[] = [
  'users',
  'workspaces',
  'projects',
  'runs',
  'deployTurns',
  'releases',
  'runLogs',
  'connections',
  'webhookDeliveries',
  'approvals',
  'credentialReads',
  // The GitHub GitOps repository queues commits in the table (GitOpsCommitQueue).
  'gitopsRepository',
];

/** The grants a set of wired ports needs (the table's read/write level is not derivable: presence only). */
function grantsFor(ports: ReadonlySet<PortName>) {
  const adapters = (
    [
      ['buildService', 'build'],
      ['gitopsRepository', 'gitops'],
      ['syncService', 'sync'],
    ] as const
  )
    .filter(([port]) => ports.has(port))
    .map(([, adapter]) => adapter)
    .sort();
  return {
    table: TABLE_PORTS.some((p) => ports.has(p)),
    projectSecrets: ports.has('secretStore'),
    webhookSecret: ports.has('webhookSecret'),
    workflow: ports.has('workflowEngine'),
    pushesToConnections: ports.has('messenger'),
    adapters,
    platform: ports.has('platform'),
    verifiesTokens: ports.has('tokenVerifier'),
    listsBackups: ports.has('backupStore'),
  };
}

function grantsOf(access: HandlerAccess) {
  return {
    table: Boolean(access.table),
    projectSecrets: Boolean(access.projectSecrets),
    webhookSecret: Boolean(access.webhookSecret),
    workflow: Boolean(
      access.startsWorkflow || access.inspectsWorkflow || access.resumesWorkflow || access.stopsWorkflow,
    ),
    pushesToConnections: Boolean(access.pushesToConnections),
    adapters: [...(access.adapters ?? [])].sort(),
    platform: Boolean(access.platform),
    verifiesTokens: Boolean(access.verifiesTokens),
    listsBackups: Boolean(access.listsBackups),
  };
}

/** What the CDK app sets for a function with every grant (values are placeholders; nothing is called). */
const CLOUD_SETTINGS: Record<string, string> = {
  WHARF_MODE: 'cloud',
  AWS_REGION: 'eu-west-1',
  WHARF_TABLE_NAME: 'wharf',
  WHARF_WS_ENDPOINT: 'https://ws.example.com/prod',
  WHARF_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:DeployProject',
  WHARF_PLATFORM_DOMAIN: 'apps.example.com',
  WHARF_IMAGE_REGISTRY: 'harbor.example.com/wharf',
  WHARF_BUILD_SERVICE: 'jenkins',
  WHARF_JENKINS_URL: 'https://ci.example.com',
  WHARF_JENKINS_USER: 'wharf',
  WHARF_JENKINS_JOB: 'wharf-build',
  WHARF_GITOPS: 'github',
  WHARF_GITHUB_REPOSITORY: 'acme/gitops',
  WHARF_SYNC: 'argocd',
  WHARF_ARGOCD_URL: 'https://argocd.example.com',
  WHARF_JWT_ISSUER: 'https://issuer.example.com',
  WHARF_JWT_AUDIENCE: 'wharf-api',
  WHARF_GITHUB_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook',
  WHARF_BACKUP_BUCKET: 'wharf-backups',
};

const secretsManager = mockClient(SecretsManagerClient);
const saved = { ...process.env };
beforeAll(() => {
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'webhook-secret' });
  // The local stack's settings (test workers inherit them) give way to AWS's alone.
  for (const name of Object.keys(process.env)) {
    if (/^(WHARF_|DYNAMODB_ENDPOINT$|SFN_ENDPOINT$)/.test(name)) delete process.env[name];
  }
  Object.assign(process.env, CLOUD_SETTINGS);
});
afterAll(() => {
  secretsManager.restore();
  for (const name of Object.keys(CLOUD_SETTINGS)) delete process.env[name];
  Object.assign(process.env, saved);
  vi.resetModules();
});

describe('each function is granted exactly what its handler wires', () => {
  it.each(deployedHandlers())('%s', async (handler) => {
    vi.resetModules();
    await import(/* @vite-ignore */ new URL(`../../functions/${handler}.ts`, import.meta.url).href);
    const { wiredPorts } = await import('../../functions/lib/wiring/ports.ts');
    expect(grantsFor(wiredPorts()), `ports wired: ${[...wiredPorts()].join(', ') || 'none'}`).toEqual(
      grantsOf(accessOf(handler)),
    );
  });
});
