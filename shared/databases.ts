import type { BackupSettings, DatabaseCredentials, DatabaseProject, Workspace } from './domain.ts';
import { dnsLabel, type Environment, workspaceNamespace } from './naming.ts';
import type { DatabaseEngine } from './schemas/project.ts';

/**
 * What every part of Wharf agrees on about a database project's credentials and address: where its
 * secrets live, what its user and database are called, how its connection string and client
 * command are spelled. Pure; the use cases (shared/use-cases/databases.ts) write and read the
 * secrets, the renderer (shared/manifests) points the manifests at them.
 */

/** Production's backups when the project sets none: daily at 03:00 UTC, the last 7 kept. */
export const DEFAULT_BACKUP: BackupSettings = { schedule: '0 3 * * *', retain: 7 };

/** The port each engine listens on. */
export const ENGINE_PORTS: Record<DatabaseEngine, number> = {
  postgres: 5432,
  mysql: 3306,
  redis: 6379,
  mongodb: 27017,
};

/** The one password of a database created before per-environment credentials existed. */
export const legacyDatabasePasswordRef = (workspaceId: string, projectId: string) =>
  `wharf/${workspaceId}/${projectId}/database-password`;

/** Where an environment's password and connection URL live in the secret store. */
export const databaseSecretRefs = (workspaceId: string, projectId: string, environment: Environment) => ({
  passwordRef: `wharf/${workspaceId}/${projectId}/${environment}/database-password`,
  urlRef: `wharf/${workspaceId}/${projectId}/${environment}/database-url`,
});

/**
 * The user and database name: the project's name with `_` for `-` (no quoting needed in SQL), at
 * most 32 characters (MySQL's user name limit). Redis has one user, `default`.
 */
export function databaseNames(project: Pick<DatabaseProject, 'name' | 'engine'>) {
  const base = project.name.replace(/-/g, '_').slice(0, 32).replace(/_+$/, '') || 'app';
  return { user: project.engine === 'redis' ? 'default' : base, database: base };
}

/** The in-cluster DNS name and port of a database environment. */
export function databaseHost(
  project: Pick<DatabaseProject, 'name' | 'engine'>,
  workspace: Pick<Workspace, 'id' | 'name' | 'namespace'>,
  environment: Environment,
) {
  const namespace = workspaceNamespace(workspace, environment);
  return {
    host: `${dnsLabel([project.name])}.${namespace}.svc.cluster.local`,
    port: ENGINE_PORTS[project.engine],
  };
}

export interface ConnectionParts {
  engine: DatabaseEngine;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The URL apps and clients connect with, e.g. `postgresql://orders:…@orders.ns.svc.cluster.local:5432/orders`. */
export function connectionString(c: ConnectionParts): string {
  const user = encodeURIComponent(c.user);
  const password = encodeURIComponent(c.password);
  switch (c.engine) {
    case 'postgres':
      return `postgresql://${user}:${password}@${c.host}:${c.port}/${c.database}`;
    case 'mysql':
      return `mysql://${user}:${password}@${c.host}:${c.port}/${c.database}`;
    case 'redis':
      return `redis://${user}:${password}@${c.host}:${c.port}/0`;
    case 'mongodb':
      return `mongodb://${user}:${password}@${c.host}:${c.port}/${c.database}?authSource=admin`;
  }
}

/**
 * The engine's own client command, without the password (the client asks for it, or reads it from
 * the variable the command names): `psql`, `mysql`, `redis-cli`, `mongosh`.
 */
export function clientCommand(c: Omit<ConnectionParts, 'password'>): string {
  switch (c.engine) {
    case 'postgres':
      return `psql "host=${c.host} port=${c.port} dbname=${c.database} user=${c.user}"`;
    case 'mysql':
      return `mysql -h ${c.host} -P ${c.port} -u ${c.user} -p ${c.database}`;
    case 'redis':
      return `redis-cli -h ${c.host} -p ${c.port} --askpass`;
    case 'mongodb':
      return `mongosh "mongodb://${c.host}:${c.port}/${c.database}?authSource=admin" -u ${c.user} -p`;
  }
}

/** The refs a database environment's manifests use, whether it has its own credentials or not. */
export function credentialsOf(
  project: Pick<DatabaseProject, 'workspaceId' | 'id' | 'name' | 'engine' | 'credentials'>,
  environment: Environment,
): Pick<DatabaseCredentials, 'user' | 'database' | 'passwordRef' | 'version'> & { urlRef?: string } {
  const own = project.credentials?.[environment];
  if (own) return own;
  // A database from before: the engine's default superuser with its one password, no URL secret.
  const defaults: Record<DatabaseEngine, string> = {
    postgres: 'postgres',
    mysql: 'root',
    redis: 'default',
    mongodb: 'root',
  };
  return {
    user: defaults[project.engine],
    database: project.engine === 'postgres' ? 'postgres' : databaseNames(project).database,
    passwordRef: legacyDatabasePasswordRef(project.workspaceId, project.id),
    version: 0,
  };
}
