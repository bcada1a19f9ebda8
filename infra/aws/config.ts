import * as z from 'zod';

/**
 * One deployment stage of Wharf in AWS (dev, prod, …), typed and checked before any construct is
 * built: a missing or malformed setting stops `cdk synth` with a message naming it and where to set it.
 *
 * Where settings come from, first match wins:
 *   1. environment variables `WHARF_AWS_<SETTING>` (e.g. WHARF_AWS_OIDC_ISSUER), for CI pipelines;
 *   2. the `stages.<stage>` object in the CDK context (cdk.json, cdk.context.json or `-c`);
 *   3. for the `test` stage only, the fixed values below (used by the infra tests).
 * The stage itself is `-c stage=<name>` (or WHARF_AWS_STAGE).
 */
export interface StageConfig {
  stage: string;
  /** Explicit account/region; when absent the stacks are environment-agnostic (the CLI's credentials decide). */
  account?: string | undefined;
  region?: string | undefined;
  oidc: {
    /** The OIDC issuer whose access tokens the APIs accept (the HTTP API's JWT authorizer, the WebSocket authorizer). */
    issuer: string;
    /** The `aud` of Wharf API access tokens. */
    audience: string;
    /** The SPA's public client id at the issuer (Authorization Code + PKCE). */
    clientId: string;
    /** Where the issuer publishes its keys, if not at `<issuer>/.well-known/jwks.json`. */
    jwksUri?: string | undefined;
  };
  /** The domain apps are served under (WHARF_PLATFORM_DOMAIN), e.g. apps.example.com. */
  platformDomain: string;
  /**
   * What a custom domain's CNAME points at (WHARF_INGRESS_HOST): the cluster ingress load balancer's
   * DNS name, e.g. k8s-ingress-1234.elb.eu-west-1.amazonaws.com. Without it, the platform domain.
   */
  ingressHost?: string | undefined;
  /** Where builds push images (WHARF_IMAGE_REGISTRY), e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/wharf. */
  imageRegistry: string;
  /** The cert-manager ClusterIssuer the rendered Ingresses name. */
  clusterIssuer: string;
  /** The External Secrets (Cluster)SecretStore the rendered ExternalSecrets name. */
  secretStore: string;
  /**
   * The S3 bucket production databases' backup CronJobs write to (WHARF_BACKUP_BUCKET), through the
   * `wharf-backup` service account of each workspace namespace (IRSA). Without it no backups run.
   */
  backupBucket?: string | undefined;
  /** The delivery systems the workflow tasks drive; their credentials are the Stateful stack's secrets. */
  jenkins: { url: string; user: string; job: string };
  github: {
    repository: string;
    branch: string;
    apiUrl?: string | undefined;
    webUrl?: string | undefined;
    /** With both set, the credentials secret holds the App's private key; otherwise a token. */
    appId?: string | undefined;
    installationId?: string | undefined;
  };
  argoCd: { url: string; refresh: 'normal' | 'hard' };
  /** The web app's own domain on CloudFront, with an ACM certificate in us-east-1. */
  customDomain?: { domainName: string; certificateArn: string } | undefined;
  /** A WAFv2 web ACL (CLOUDFRONT scope, us-east-1) for the distribution. */
  webAclArn?: string | undefined;
  /** Who gets alarm notifications (an SNS email subscription to confirm once). */
  alarmEmail?: string | undefined;
  /** CloudWatch Logs retention of function, API and workflow logs, in days. */
  logRetentionDays: number;
  /** How long a run waits for an owner's approval before it is cancelled (AwaitApproval's timeout). */
  approvalTimeoutHours: number;
  /** Steady-state requests per second and burst, on each API stage. */
  throttle: { rateLimit: number; burstLimit: number };
  /**
   * Whether this app sets API Gateway's account-wide CloudWatch Logs role (needed for WebSocket
   * stage logs). Turn it off when the account already has one: there is one per account and region.
   */
  manageApiGatewayAccountRole: boolean;
}

export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

/** CloudWatch Logs accepts only these retention periods. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const httpsUrl = z
  .string()
  .regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an https URL without query or fragment');
const dnsName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lowercase DNS name');
const wholeNumber = z.coerce.number().int().positive();
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const stageSchema = z.object({
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
    .optional(),
  oidcIssuer: httpsUrl,
  oidcAudience: z.string().min(1, 'must not be empty'),
  oidcClientId: z.string().min(1, 'must not be empty'),
  oidcJwksUri: httpsUrl.optional(),
  platformDomain: dnsName,
  ingressHost: dnsName.optional(),
  imageRegistry: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, 'must be a registry host with an optional path'),
  clusterIssuer: z.string().min(1).default('letsencrypt'),
  jenkinsUrl: httpsUrl,
  jenkinsUser: z.string().min(1, 'must not be empty'),
  jenkinsJob: z.string().regex(/^[^/\s]+(\/[^/\s]+)*$/, 'must be a job name, folders separated by /'),
  githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name'),
  githubBranch: z.string().min(1).default('main'),
  githubApiUrl: httpsUrl.optional(),
  githubWebUrl: httpsUrl.optional(),
  githubAppId: z.coerce.string().regex(/^\d+$/, 'must be a GitHub App id (a number)').optional(),
  githubInstallationId: z.coerce
    .string()
    .regex(/^\d+$/, 'must be a GitHub App installation id (a number)')
    .optional(),
  argoCdUrl: httpsUrl,
  argoCdRefresh: z.enum(['normal', 'hard']).default('normal'),
  secretStore: z.string().min(1).default('wharf-secrets'),
  backupBucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  domainName: dnsName.optional(),
  certificateArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/,
      'must be an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from there)',
    )
    .optional(),
  webAclArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/,
      'must be a CLOUDFRONT-scope WAFv2 web ACL ARN',
    )
    .optional(),
  alarmEmail: z
    .string()
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address')
    .optional(),
  logRetentionDays: wholeNumber
    .refine((n) => (RETENTION_DAYS as readonly number[]).includes(n), {
      message: `must be one of ${RETENTION_DAYS.join(', ')}`,
    })
    .default(90),
  // Step Functions waits at most a year for a task token; a week is already generous for a review.
  approvalTimeoutHours: wholeNumber.max(168, 'must be at most 168 (a week)').default(24),
  throttleRateLimit: wholeNumber.default(100),
  throttleBurstLimit: wholeNumber.default(200),
  manageApiGatewayAccountRole: flag.default(true),
});

type StageInput = z.input<typeof stageSchema>;
type SettingName = keyof StageInput;

/** The fixed stage the infra tests synthesize (`-c stage=test` synthesizes it too, offline). */
export const TEST_STAGE_SETTINGS: StageInput = {
  account: '123456789012',
  region: 'eu-west-1',
  oidcIssuer: 'https://auth.example.com/realms/wharf',
  oidcAudience: 'wharf-api',
  oidcClientId: 'wharf-web',
  platformDomain: 'apps.example.com',
  imageRegistry: 'registry.example.com/wharf',
  jenkinsUrl: 'https://jenkins.example.com',
  jenkinsUser: 'wharf',
  jenkinsJob: 'platform/wharf-build',
  githubRepository: 'example/wharf-gitops',
  githubAppId: '123456',
  githubInstallationId: '7890123',
  argoCdUrl: 'https://argocd.example.com',
  alarmEmail: 'platform-alerts@example.com',
  backupBucket: 'wharf-test-backups',
  logRetentionDays: 30,
};

/** `oidcIssuer` → `WHARF_AWS_OIDC_ISSUER`. */
export const envVarFor = (name: string) => `WHARF_AWS_${name.replace(/([A-Z])/g, '_$1').toUpperCase()}`;

/** Reads a context value; App and Construct nodes both qualify. */
export interface ContextSource {
  node: { tryGetContext(key: string): unknown };
}

export function loadStageConfig(scope: ContextSource, env: NodeJS.ProcessEnv = process.env): StageConfig {
  const stage = (env.WHARF_AWS_STAGE?.trim() || String(scope.node.tryGetContext('stage') ?? '')).trim();
  if (!stage) {
    throw new StageConfigError(
      'Missing setting stage: pass -c stage=<name> (e.g. npx cdk synth -c stage=dev), or set WHARF_AWS_STAGE',
    );
  }
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) {
    throw new StageConfigError(
      `Setting stage must be lowercase letters, digits and '-' (at most 16), not "${stage}"`,
    );
  }
  const stages = (scope.node.tryGetContext('stages') ?? {}) as Record<string, unknown>;
  const fromContext = stages[stage];
  if (fromContext !== undefined && (typeof fromContext !== 'object' || fromContext === null)) {
    throw new StageConfigError(`Setting stages.${stage} in the CDK context must be an object`);
  }
  return parseStage(stage, {
    ...(stage === 'test' ? TEST_STAGE_SETTINGS : {}),
    ...(fromContext as Record<string, unknown> | undefined),
    ...fromEnv(env),
  });
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(stageSchema.shape)) {
    const value = env[envVarFor(name)]?.trim();
    if (value) out[name] = value;
  }
  return out;
}

/** Validates one stage's raw settings (exported for tests). */
export function parseStage(stage: string, raw: Record<string, unknown>): StageConfig {
  const unknown = Object.keys(raw).filter((k) => !(k in stageSchema.shape));
  if (unknown.length > 0) {
    throw new StageConfigError(
      `Unknown setting ${unknown.map((k) => `stages.${stage}.${k}`).join(', ')}; known settings: ${Object.keys(stageSchema.shape).join(', ')}`,
    );
  }
  const parsed = stageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'stage') as SettingName;
    const missing = raw[name] === undefined || raw[name] === '';
    const where = `set stages.${stage}.${name} in the CDK context (cdk.json) or ${envVarFor(name)}`;
    throw new StageConfigError(
      missing
        ? `Missing setting ${name} for stage "${stage}": ${where}`
        : `Setting ${name} for stage "${stage}" ${issue?.message ?? 'is invalid'} (${where})`,
    );
  }
  const s = parsed.data;
  if (Boolean(s.githubAppId) !== Boolean(s.githubInstallationId)) {
    throw new StageConfigError(
      `Settings githubAppId and githubInstallationId for stage "${stage}" go together: GitHub App auth needs both (leave both out to use a token)`,
    );
  }
  if (Boolean(s.domainName) !== Boolean(s.certificateArn)) {
    throw new StageConfigError(
      `Settings domainName and certificateArn for stage "${stage}" go together: a custom domain needs its us-east-1 certificate`,
    );
  }
  return {
    stage,
    account: s.account,
    region: s.region,
    oidc: {
      // Kept exactly as configured: the JWT authorizer compares `iss` verbatim (Auth0's ends in '/').
      issuer: s.oidcIssuer,
      audience: s.oidcAudience,
      clientId: s.oidcClientId,
      jwksUri: s.oidcJwksUri,
    },
    platformDomain: s.platformDomain,
    ingressHost: s.ingressHost,
    imageRegistry: s.imageRegistry,
    clusterIssuer: s.clusterIssuer,
    secretStore: s.secretStore,
    backupBucket: s.backupBucket,
    jenkins: { url: s.jenkinsUrl, user: s.jenkinsUser, job: s.jenkinsJob },
    github: {
      repository: s.githubRepository,
      branch: s.githubBranch,
      apiUrl: s.githubApiUrl,
      webUrl: s.githubWebUrl,
      appId: s.githubAppId,
      installationId: s.githubInstallationId,
    },
    argoCd: { url: s.argoCdUrl, refresh: s.argoCdRefresh },
    customDomain:
      s.domainName && s.certificateArn
        ? { domainName: s.domainName, certificateArn: s.certificateArn }
        : undefined,
    webAclArn: s.webAclArn,
    alarmEmail: s.alarmEmail,
    logRetentionDays: s.logRetentionDays,
    approvalTimeoutHours: s.approvalTimeoutHours,
    throttle: { rateLimit: s.throttleRateLimit, burstLimit: s.throttleBurstLimit },
    manageApiGatewayAccountRole: s.manageApiGatewayAccountRole,
  };
}
