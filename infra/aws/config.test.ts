import { describe, expect, it } from 'vitest';
import { envVarFor, loadStageConfig, parseStage, StageConfigError, TEST_STAGE_SETTINGS } from './config.ts';

const contextOf = (context: Record<string, unknown>) => ({
  node: { tryGetContext: (key: string) => context[key] },
});

const dev = {
  oidcIssuer: 'https://login.example.com/realms/wharf',
  oidcAudience: 'wharf-api',
  oidcClientId: 'wharf-web',
  platformDomain: 'apps.example.com',
  imageRegistry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/wharf',
  jenkinsUrl: 'https://ci.example.com',
  jenkinsUser: 'wharf',
  jenkinsJob: 'platform/wharf-build',
  githubRepository: 'acme/gitops',
  argoCdUrl: 'https://argocd.example.com',
};

describe('stage configuration', () => {
  it('needs a stage, named in the message with how to pass it', () => {
    expect(() => loadStageConfig(contextOf({}), {})).toThrow(/Missing setting stage: pass -c stage=<name>/);
    expect(() => loadStageConfig(contextOf({ stage: 'Prod!' }), {})).toThrow(StageConfigError);
  });

  it('reads the stage from the `stages` map in the CDK context, with defaults', () => {
    const config = loadStageConfig(contextOf({ stage: 'dev', stages: { dev } }), {});
    expect(config).toMatchObject({
      stage: 'dev',
      oidc: { issuer: dev.oidcIssuer, audience: 'wharf-api', clientId: 'wharf-web' },
      platformDomain: 'apps.example.com',
      clusterIssuer: 'letsencrypt',
      secretStore: 'wharf-secrets',
      logRetentionDays: 90,
      approvalTimeoutHours: 24,
      throttle: { rateLimit: 100, burstLimit: 200 },
      manageApiGatewayAccountRole: true,
      jenkins: { url: 'https://ci.example.com', user: 'wharf', job: 'platform/wharf-build' },
      github: { repository: 'acme/gitops', branch: 'main' },
      argoCd: { url: 'https://argocd.example.com', refresh: 'normal' },
    });
    expect(config.github.appId).toBeUndefined();
    expect(config.account).toBeUndefined();
    expect(config.customDomain).toBeUndefined();
  });

  it('names a missing setting and both places to set it', () => {
    const { oidcIssuer: _, ...rest } = dev;
    expect(() => loadStageConfig(contextOf({ stage: 'dev', stages: { dev: rest } }), {})).toThrow(
      'Missing setting oidcIssuer for stage "dev": set stages.dev.oidcIssuer in the CDK context (cdk.json) or WHARF_AWS_OIDC_ISSUER',
    );
    expect(() => loadStageConfig(contextOf({ stage: 'prod' }), {})).toThrow(
      /Missing setting oidcIssuer for stage "prod"/,
    );
  });

  it('says what is wrong with a bad value', () => {
    expect(() => parseStage('dev', { ...dev, oidcIssuer: 'http://login.example.com' })).toThrow(
      /Setting oidcIssuer for stage "dev" must be an https URL/,
    );
    expect(parseStage('dev', { ...dev, approvalTimeoutHours: 4 }).approvalTimeoutHours).toBe(4);
    expect(() => parseStage('dev', { ...dev, approvalTimeoutHours: 200 })).toThrow(/approvalTimeoutHours/);
    expect(() => parseStage('dev', { ...dev, logRetentionDays: 42 })).toThrow(
      /logRetentionDays .* must be one of 1, 3, 5/,
    );
    expect(() => parseStage('dev', { ...dev, account: '1234' })).toThrow(/account .* 12-digit/);
    expect(parseStage('dev', { ...dev, backupBucket: 'acme-wharf-backups' }).backupBucket).toBe(
      'acme-wharf-backups',
    );
    expect(parseStage('dev', dev).backupBucket).toBeUndefined();
    expect(() => parseStage('dev', { ...dev, backupBucket: 'S3://Bad' })).toThrow(
      /backupBucket .* must be an S3 bucket name/,
    );
    expect(() => parseStage('dev', { ...dev, githubRepository: 'gitops' })).toThrow(
      /githubRepository .* must be owner\/name/,
    );
    expect(() => parseStage('dev', { ...dev, jenkinsUrl: 'http://ci.example.com' })).toThrow(
      /jenkinsUrl .* https URL/,
    );
    expect(() => parseStage('dev', { ...dev, githubAppId: '12' })).toThrow(
      /githubAppId and githubInstallationId .* go together/,
    );
    expect(() =>
      parseStage('dev', {
        ...dev,
        domainName: 'wharf.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      }),
    ).toThrow(/certificateArn .* us-east-1/);
    expect(() => parseStage('dev', { ...dev, domainName: 'wharf.example.com' })).toThrow(/go together/);
    expect(() => parseStage('dev', { ...dev, oidcIsuer: 'x' })).toThrow(
      /Unknown setting stages\.dev\.oidcIsuer/,
    );
  });

  it('lets WHARF_AWS_* environment variables override the context', () => {
    expect(envVarFor('oidcClientId')).toBe('WHARF_AWS_OIDC_CLIENT_ID');
    const config = loadStageConfig(contextOf({ stage: 'dev', stages: { dev } }), {
      WHARF_AWS_PLATFORM_DOMAIN: 'apps.acme.io',
      WHARF_AWS_INGRESS_HOST: 'k8s-ingress-1234.elb.eu-west-1.amazonaws.com',
      WHARF_AWS_LOG_RETENTION_DAYS: '30',
      WHARF_AWS_MANAGE_API_GATEWAY_ACCOUNT_ROLE: 'false',
    });
    expect(config.platformDomain).toBe('apps.acme.io');
    expect(config.ingressHost).toBe('k8s-ingress-1234.elb.eu-west-1.amazonaws.com');
    expect(config.logRetentionDays).toBe(30);
    expect(config.manageApiGatewayAccountRole).toBe(false);
  });

  it('has a complete built-in `test` stage, so tests and `-c stage=test` synth offline', () => {
    const config = loadStageConfig(contextOf({ stage: 'test' }), {});
    expect(config.account).toBe(TEST_STAGE_SETTINGS.account);
    expect(config.region).toBe(TEST_STAGE_SETTINGS.region);
    expect(config.oidc.issuer).toBe(TEST_STAGE_SETTINGS.oidcIssuer);
  });

  it('keeps the issuer exactly as given: the JWT authorizer compares `iss` verbatim', () => {
    expect(parseStage('dev', { ...dev, oidcIssuer: 'https://acme.eu.auth0.com/' }).oidc.issuer).toBe(
      'https://acme.eu.auth0.com/',
    );
  });
});
