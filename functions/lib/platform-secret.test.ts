import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { platformSecret, webhookSecret } from './platform-secret.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());
const client = () => new SecretsManagerClient({ region: 'eu-west-1' });
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wharf-platform/dev/jenkins-AbCdEf';

describe('platformSecret', () => {
  it('reads the secret by ARN in AWS', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'tok-123\n' });
    const env = { WHARF_MODE: 'cloud', WHARF_JENKINS_TOKEN_SECRET_ARN: ARN };
    await expect(platformSecret(env, 'jenkins', 'the token', client)).resolves.toBe('tok-123');
  });

  it('takes a plain value locally, and refuses one in AWS', async () => {
    const local = { WHARF_MODE: 'local', WHARF_JENKINS_TOKEN: 'tok-local' };
    await expect(platformSecret(local, 'jenkins', 'the token', client)).resolves.toBe('tok-local');
    const cloud = { WHARF_MODE: 'cloud', WHARF_JENKINS_TOKEN: 'tok-plain' };
    const error = await platformSecret(cloud, 'jenkins', 'the token', client).catch((e) => e);
    expect(error.message).toMatch(/WHARF_JENKINS_TOKEN_SECRET_ARN/);
    expect(error.message).not.toContain('tok-plain');
    expect(sm.calls()).toHaveLength(0);
  });

  it('names the missing setting, and an empty secret, without a value in the message', async () => {
    await expect(platformSecret({ WHARF_MODE: 'cloud' }, 'argocd', 'the token', client)).rejects.toThrow(
      /Missing setting WHARF_ARGOCD_TOKEN_SECRET_ARN/,
    );
    sm.on(GetSecretValueCommand).resolves({ SecretString: '' });
    await expect(
      platformSecret({ WHARF_MODE: 'cloud', WHARF_ARGOCD_TOKEN_SECRET_ARN: ARN }, 'argocd', 'x', client),
    ).rejects.toThrow(/has no value yet/);
  });

  it('reads the webhook secret by the ARN setting the CDK app writes', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'hmac' });
    const env = { WHARF_MODE: 'cloud', WHARF_GITHUB_WEBHOOK_SECRET_ARN: ARN, AWS_REGION: 'eu-west-1' };
    await expect(webhookSecret(env)).resolves.toBe('hmac');
  });
});
