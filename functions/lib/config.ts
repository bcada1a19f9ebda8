import type { Mode } from '../../shared/schemas/common.ts';

/**
 * The handlers' settings, read once at module load. A missing or wrong setting stops the function
 * at cold start with a message naming it, instead of failing on the first request. Settings that
 * only some handlers need are read when that handler first asks for them (still at its cold start).
 */
export interface FunctionConfig {
  mode: Mode;
  dynamodbEndpoint?: string | undefined;
  region?: string | undefined;
  /** Local stack only: the file that holds secret values. In AWS, Secrets Manager is used. */
  secretsFile?: string | undefined;
  env: NodeJS.ProcessEnv;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function setting(env: NodeJS.ProcessEnv, name: string, help: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Missing setting ${name}: ${help}`);
  return value;
}

export function optionalSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

export function choice<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T {
  const value = env[name]?.trim() || fallback;
  if (!value) throw new ConfigError(`Missing setting ${name}: one of ${allowed.join(', ')}`);
  if (!allowed.includes(value as T)) {
    throw new ConfigError(`Setting ${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value as T;
}

export function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`Setting ${name} must be a positive whole number, not "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const mode = choice(env, 'WHARF_MODE', ['local', 'cloud'] as const);
  const secretsFile = optionalSetting(env, 'WHARF_SECRETS_FILE');
  if (secretsFile && mode === 'cloud') {
    throw new ConfigError(
      'Setting WHARF_SECRETS_FILE is for the local stack only; in AWS secrets live in Secrets Manager',
    );
  }
  return {
    mode,
    dynamodbEndpoint: optionalSetting(env, 'DYNAMODB_ENDPOINT'),
    region: optionalSetting(env, 'AWS_REGION'),
    secretsFile,
    env,
  };
}
