import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, optionalSetting } from './config.ts';

/**
 * A platform credential (webhook secret, Jenkins / GitHub / Argo CD tokens). In AWS it is read from
 * Secrets Manager by ARN (`<NAME>_SECRET_ARN`); the local stack may hand it over directly as
 * `<NAME>` (from `.wharf/config.json` or the environment). A plain value is refused in AWS, so a
 * credential never sits in a Lambda's environment. Read once per cold start; the value is never
 * logged or put into an error message.
 */
export async function platformSecret(
  env: NodeJS.ProcessEnv,
  name: string,
  help: string,
  client: () => SecretsManagerClient = () =>
    new SecretsManagerClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
): Promise<string> {
  const arn = optionalSetting(env, `${name}_SECRET_ARN`);
  const plain = optionalSetting(env, name);
  if (plain && env.WHARF_MODE === 'cloud') {
    throw new ConfigError(
      `Setting ${name} holds a credential in plain text; in AWS set ${name}_SECRET_ARN to a Secrets Manager secret instead`,
    );
  }
  if (plain) return plain;
  if (!arn) throw new ConfigError(`Missing setting ${name}_SECRET_ARN (or ${name} locally): ${help}`);
  const out = await client().send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString?.trim()) {
    throw new ConfigError(`The secret ${arn} (${name}_SECRET_ARN) has no value yet: ${help}`);
  }
  return out.SecretString.trim();
}

/** The GitHub webhook's HMAC secret. */
export const webhookSecret = (env: NodeJS.ProcessEnv = process.env) =>
  platformSecret(env, 'WHARF_GITHUB_WEBHOOK_SECRET', 'the GitHub webhook secret (X-Hub-Signature-256)');
