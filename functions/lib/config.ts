import type { Mode } from '../../shared/schemas/common.ts';

/**
 * The handlers' settings, read once at module load. A missing or wrong setting stops the function
 * at cold start with a message naming it, instead of failing on the first request.
 */
export interface FunctionConfig {
  mode: Mode;
  tableName: string;
  dynamodbEndpoint?: string | undefined;
  region?: string | undefined;
  /** Local stack only: the file that holds secret values. In AWS, Secrets Manager is used. */
  secretsFile?: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function setting(env: NodeJS.ProcessEnv, name: string, help: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Missing setting ${name}: ${help}`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const mode = setting(env, 'WHARF_MODE', 'set it to "cloud" in AWS or "local" on the local stack');
  if (mode !== 'local' && mode !== 'cloud') {
    throw new ConfigError(`Setting WHARF_MODE must be "local" or "cloud", not "${mode}"`);
  }
  const secretsFile = env.WHARF_SECRETS_FILE?.trim() || undefined;
  if (secretsFile && mode === 'cloud') {
    throw new ConfigError(
      'Setting WHARF_SECRETS_FILE is for the local stack only; in AWS secrets live in Secrets Manager',
    );
  }
  return {
    mode,
    tableName: setting(env, 'WHARF_TABLE_NAME', 'the DynamoDB table name'),
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT?.trim() || undefined,
    region: env.AWS_REGION?.trim() || undefined,
    secretsFile,
  };
}
