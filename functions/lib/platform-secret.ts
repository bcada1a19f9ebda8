import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, optionalSetting } from './config.ts';

/**
 * The platform's credentials: the setting that holds a plain value (local stack only) and the one
 * that holds its Secrets Manager ARN (what the CDK app sets). One table, read by the functions and by
 * the CDK app, so the two cannot disagree on a name.
 */
export const PLATFORM_SECRETS = {
  webhook: { value: 'WHARF_GITHUB_WEBHOOK_SECRET', arn: 'WHARF_GITHUB_WEBHOOK_SECRET_ARN' },
  jenkins: { value: 'WHARF_JENKINS_TOKEN', arn: 'WHARF_JENKINS_TOKEN_SECRET_ARN' },
  github: { value: 'WHARF_GITHUB_CREDENTIALS', arn: 'WHARF_GITHUB_CREDENTIALS_SECRET_ARN' },
  argocd: { value: 'WHARF_ARGOCD_TOKEN', arn: 'WHARF_ARGOCD_TOKEN_SECRET_ARN' },
} as const;
export type PlatformSecret = keyof typeof PLATFORM_SECRETS;

/**
 * A platform credential. In AWS it is read from Secrets Manager by ARN; the local stack may hand it
 * over directly (from `.wharf/config.json` or the environment). A plain value is refused in AWS, so a
 * credential never sits in a Lambda's environment. Read once per cold start by the caller; the value
 * is never logged or put into an error message.
 */
export async function platformSecret(
  env: NodeJS.ProcessEnv,
  secret: PlatformSecret,
  help: string,
  client: () => SecretsManagerClient = () =>
    new SecretsManagerClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
): Promise<string> {
  const names = PLATFORM_SECRETS[secret];
  const arn = optionalSetting(env, names.arn);
  const plain = optionalSetting(env, names.value);
  if (plain && env.WHARF_MODE === 'cloud') {
    throw new ConfigError(
      `Setting ${names.value} holds a credential in plain text; in AWS set ${names.arn} to a Secrets Manager secret instead`,
    );
  }
  if (plain) return plain;
  if (!arn) throw new ConfigError(`Missing setting ${names.arn} (or ${names.value} locally): ${help}`);
  const out = await client().send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString?.trim()) {
    throw new ConfigError(`The secret ${arn} (${names.arn}) has no value yet: ${help}`);
  }
  return out.SecretString.trim();
}

/** The GitHub webhook's HMAC secret. */
export const webhookSecret = (env: NodeJS.ProcessEnv = process.env) =>
  platformSecret(env, 'webhook', 'the GitHub webhook secret (X-Hub-Signature-256)');
