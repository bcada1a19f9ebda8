import type { Environment } from './naming.ts';
import type { DatabaseEngine } from './schemas/project.ts';
import type { Role } from './schemas/workspace.ts';

/** Who is calling, taken from the verified token's claims. */
export interface Identity {
  userId: string;
  username: string;
  name?: string | undefined;
  email?: string | undefined;
}

export interface User {
  id: string;
  username: string;
  name?: string | undefined;
  email?: string | undefined;
  personalWorkspaceId: string;
  createdAt: string;
}

export interface Workspace {
  id: string;
  name: string;
  namespace: string;
  personal: boolean;
  createdBy: string;
  createdAt: string;
}

export interface Membership {
  workspaceId: string;
  userId: string;
  role: Role;
  addedAt: string;
  addedBy: string;
}

/** A member as the workspace page shows them: the membership, with the user's name when known. */
export type MemberView = Membership & { username?: string | undefined; name?: string | undefined };

export type StoredEnvVar =
  | { name: string; secret: false; value: string }
  | { name: string; secret: true; secretRef: string };

/** What clients see of an env var: secret values are write-only. */
export type EnvVarView =
  | { name: string; secret: false; value: string }
  | { name: string; secret: true; set: true };

export interface Repository {
  url: string;
  branch: string;
}

export interface Service {
  name: string;
  path: string;
  port: number;
  entry: boolean;
  /**
   * HTTP readiness and liveness paths. New services get Spring Boot's actuator paths
   * (`/actuator/health/readiness`, `/actuator/health/liveness`); services stored before they existed
   * have neither and keep their TCP probes.
   */
  readinessPath?: string | undefined;
  livenessPath?: string | undefined;
}

/**
 * A database of the same workspace an app is bound to: each environment of the app gets `env` (e.g.
 * `DATABASE_URL`) from the database's connection secret of the same environment, through an
 * ExternalSecret; the value is never in Git.
 */
export interface DatabaseBinding {
  projectId: string;
  env: string;
}

/**
 * A database environment's credentials. The password and the ready connection URL (in-cluster host)
 * live in the secret store under these refs, written before anything references them; rotating writes
 * a new version of both and bumps `version`, which the StatefulSet's pod template carries so the
 * rollout restarts the pods.
 */
export interface DatabaseCredentials {
  user: string;
  database: string;
  passwordRef: string;
  urlRef: string;
  version: number;
  rotatedAt: string;
}

/** A production database's backup CronJob: a cron schedule (UTC) and how many backups to keep. */
export interface BackupSettings {
  schedule: string;
  retain: number;
}

/**
 * What deploys an environment by itself (when the project's `autoDeploy` is on):
 * - `push`: a push to the tracked branch (staging's default; production's when it is the only one),
 * - `tag`: a pushed tag matching `tagPattern` (production's default when a staging comes before it),
 * - `manual`: only a user's deploy or promotion.
 */
export const ENVIRONMENT_TRIGGERS = ['push', 'tag', 'manual'] as const;
export type EnvironmentTrigger = (typeof ENVIRONMENT_TRIGGERS)[number];
export const DEFAULT_TAG_PATTERN = 'v*.*.*';

export interface Autoscaling {
  minReplicas: number;
  maxReplicas: number;
  /** Average CPU utilisation (percent of requests) the HorizontalPodAutoscaler aims for. */
  targetCpuPercent: number;
}

/**
 * One environment's own settings, stored on the project. Anything left out takes the project's value
 * or the environment's default (see shared/environments.ts `environmentConfig`, the only reader).
 * Production's custom domain is the project's `domain` (as before environments existed); every other
 * environment's lives here.
 */
export interface EnvironmentSettings {
  domain?: string | undefined;
  replicas?: number | undefined;
  autoscaling?: Autoscaling | undefined;
  /** Overrides of the project's variables by name (secret values per environment, write-only). */
  env?: StoredEnvVar[] | undefined;
  trigger?: EnvironmentTrigger | undefined;
  tagPattern?: string | undefined;
  requiresApproval?: boolean | undefined;
}

interface ProjectBase {
  id: string;
  workspaceId: string;
  name: string;
  /**
   * The project's environments in pipeline order (a release is promoted from one to the next). New
   * projects get `staging` then `production`; projects created before environments existed have only
   * `production`, and keep working as they did.
   */
  environments: Environment[];
  /** Per-environment settings; an environment without an entry uses its defaults. */
  environmentSettings?: Partial<Record<Environment, EnvironmentSettings>> | undefined;
  env: StoredEnvVar[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Bumped by every write; updates are conditional on it so concurrent edits never overwrite silently. */
  revision: number;
  /** Set when the project was deleted; its runs and releases stay readable. */
  deletedAt?: string | undefined;
}

export interface MonolithProject extends ProjectBase {
  type: 'monolith';
  repository: Repository;
  port: number;
  domain?: string | undefined;
  autoDeploy: boolean;
  replicas: number;
  healthCheckPath: string;
  databases?: DatabaseBinding[] | undefined;
}

export interface DatabaseProject extends ProjectBase {
  type: 'database';
  engine: DatabaseEngine;
  version: string;
  storage: string;
  /**
   * Per environment. Databases created before credentials existed have none: their one password is
   * at `legacyDatabasePasswordRef` (shared/databases.ts) for every environment.
   */
  credentials?: Partial<Record<Environment, DatabaseCredentials>> | undefined;
  /** Production's backups; `DEFAULT_BACKUP` (shared/databases.ts) when left out. */
  backup?: BackupSettings | undefined;
}

export interface MicroservicesProject extends ProjectBase {
  type: 'microservices';
  repository: Repository;
  services: Service[];
  domain?: string | undefined;
  autoDeploy: boolean;
  databases?: DatabaseBinding[] | undefined;
}

export type Project = MonolithProject | DatabaseProject | MicroservicesProject;

export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
}
