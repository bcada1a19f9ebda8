import {
  type Autoscaling,
  DEFAULT_TAG_PATTERN,
  type EnvironmentTrigger,
  type Project,
  type StoredEnvVar,
} from './domain.ts';
import type { Environment } from './naming.ts';

/**
 * A project environment's effective settings: what it stores, with the project's values and the
 * environment's defaults filled in. The only reader of `project.environmentSettings`, so the
 * renderer, the webhook, the API and the workflow agree on every default.
 */
export interface EnvironmentConfig {
  name: Environment;
  /** Production: the project's `domain`; other environments: their own. */
  domain?: string | undefined;
  /** Monolith: the environment's replicas (the project's when not overridden). */
  replicas?: number | undefined;
  autoscaling?: Autoscaling | undefined;
  /** This environment's overrides of the project's variables, by name. */
  env: StoredEnvVar[];
  trigger: EnvironmentTrigger;
  tagPattern: string;
  requiresApproval: boolean;
}

/** The environments new projects get, in pipeline order. */
export const NEW_PROJECT_ENVIRONMENTS: readonly Environment[] = ['staging', 'production'];

function defaultTrigger(project: Project, environment: Environment): EnvironmentTrigger {
  if (project.type === 'database') return 'manual';
  if (environment === 'production' && project.environments.includes('staging')) return 'tag';
  return 'push';
}

export function environmentConfig(project: Project, environment: Environment): EnvironmentConfig {
  const own = project.environmentSettings?.[environment] ?? {};
  const projectDomain = 'domain' in project ? project.domain : undefined;
  return {
    name: environment,
    domain: environment === 'production' ? projectDomain : own.domain,
    replicas: own.replicas ?? (project.type === 'monolith' ? project.replicas : undefined),
    autoscaling: own.autoscaling,
    env: own.env ?? [],
    trigger: own.trigger ?? defaultTrigger(project, environment),
    tagPattern: own.tagPattern ?? DEFAULT_TAG_PATTERN,
    requiresApproval: own.requiresApproval ?? false,
  };
}

/** The variables an environment runs with: the project's, each overridden by the environment's own. */
export function effectiveEnv(project: Project, environment: Environment): StoredEnvVar[] {
  const overrides = environmentConfig(project, environment).env;
  const byName = new Map(project.env.map((v) => [v.name, v]));
  for (const v of overrides) byName.set(v.name, v);
  return [...byName.values()];
}

/** The environments before `environment` in the project's pipeline (where a promotion may come from). */
export function earlierEnvironments(project: Project, environment: Environment): Environment[] {
  const index = project.environments.indexOf(environment);
  return index < 0 ? [] : project.environments.slice(0, index);
}

/**
 * Whether a tag name matches a trigger pattern: `*` matches any run of characters except `/`, `?` one
 * character; everything else is literal. `v*.*.*` matches `v1.0.0` and `v2.10.3-rc1`, not `release-1`.
 */
export function tagMatches(pattern: string, tag: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(tag);
}
