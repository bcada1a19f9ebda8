import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, optionalSetting, setting } from './config.ts';

/**
 * The GitHub webhook secret: from Secrets Manager in AWS (WHARF_GITHUB_WEBHOOK_SECRET_ARN), or the
 * local stack's own (WHARF_GITHUB_WEBHOOK_SECRET). Read once, at cold start.
 */
export async function webhookSecret(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const local = optionalSetting(env, 'WHARF_GITHUB_WEBHOOK_SECRET');
  if (local) return local;
  const arn = setting(
    env,
    'WHARF_GITHUB_WEBHOOK_SECRET_ARN',
    'the Secrets Manager secret holding the GitHub webhook secret',
  );
  const out = await new SecretsManagerClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}).send(
    new GetSecretValueCommand({ SecretId: arn }),
  );
  if (!out.SecretString)
    throw new ConfigError(`The secret ${arn} (WHARF_GITHUB_WEBHOOK_SECRET_ARN) has no string value`);
  return out.SecretString;
}
