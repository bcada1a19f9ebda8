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
}

interface ProjectBase {
  id: string;
  workspaceId: string;
  name: string;
  /** Environments the project deploys to; `production` from day one, `staging` admitted by the model. */
  environments: Environment[];
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
}

export interface DatabaseProject extends ProjectBase {
  type: 'database';
  engine: DatabaseEngine;
  version: string;
  storage: string;
}

export interface MicroservicesProject extends ProjectBase {
  type: 'microservices';
  repository: Repository;
  services: Service[];
  domain?: string | undefined;
  autoDeploy: boolean;
}

export type Project = MonolithProject | DatabaseProject | MicroservicesProject;

export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
}
