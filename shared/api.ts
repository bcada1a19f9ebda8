import type { LogLine, Release, Run } from './deploy.ts';
import type { EnvironmentHold, HealthStatus, OutOfSync, PendingApproval } from './deploy-ports.ts';
import type {
  Autoscaling,
  EnvironmentTrigger,
  EnvVarView,
  MemberView,
  Page,
  Project,
  User,
  Workspace,
} from './domain.ts';
import type { DomainError } from './errors.ts';
import type { Environment } from './naming.ts';
import type { DatabaseEngine } from './schemas/project.ts';
import type { Role } from './schemas/workspace.ts';

/**
 * What the HTTP API answers, derived from the domain types: the use cases that build a response
 * declare it with these, and the web app reads responses with the same ones, so the two cannot
 * drift apart. Types only: the browser bundle imports this file.
 */

/**
 * A project as the API shows it: secret env values are write-only (`{ name, secret: true, set: true }`),
 * and each environment's Kubernetes namespace is spelled out. Distributed over the project types, so
 * narrowing on `type` keeps each type's own fields.
 */
export type ProjectView = ViewOf<Project>;
type ViewOf<P> = P extends Project
  ? Omit<P, 'env' | 'environmentSettings' | 'credentials'> & {
      env: EnvVarView[];
      namespaces: Record<string, string>;
      /** The environments in pipeline order, each with its effective settings and live state. */
      pipeline: EnvironmentView[];
    }
  : never;

/**
 * One environment of a project: `GET|PATCH …/projects/{p}/environments/{env}`, and each entry of a
 * project's `pipeline`. Settings are the effective ones (defaults and the project's values filled in);
 * `env` lists only this environment's overrides, secrets write-only.
 */
export interface EnvironmentView {
  name: Environment;
  namespace: string;
  /** The generated host, or the custom domain when set. */
  host: string;
  liveUrl: string;
  domain?: string | undefined;
  /** With a custom domain: the platform address's URL, which keeps serving next to it. */
  platformUrl?: string | undefined;
  replicas?: number | undefined;
  autoscaling?: Autoscaling | undefined;
  env: EnvVarView[];
  trigger: EnvironmentTrigger;
  tagPattern: string;
  requiresApproval: boolean;
  /** The release live in this environment now (absent before the first). */
  currentRelease?: ReleaseSummary | undefined;
  hold?: EnvironmentHold | undefined;
  outOfSync?: OutOfSync | undefined;
  /**
   * With a custom domain: the DNS record the user creates (a CNAME to the platform's ingress host),
   * whether the name resolves to it now, and the certificate's state where the platform knows it.
   */
  domainCheck?: DomainCheck | undefined;
  /** Database projects: how to reach this environment's database (never the password). */
  connection?: ConnectionView | undefined;
}

export interface DomainCheck {
  record: { type: 'CNAME'; name: string; value: string };
  /** Whether `name` resolves to `value`'s addresses now (undefined when it could not be checked). */
  resolves?: boolean | undefined;
  /** cert-manager's Certificate state in a cluster; absent on the local platform. */
  tls?: 'issued' | 'pending' | 'failed' | undefined;
}

/**
 * A database environment's address and user, for the project page and the API: in-cluster DNS name,
 * and on the local platform the loopback port it is published on while it runs.
 */
export interface ConnectionView {
  engine: DatabaseEngine;
  host: string;
  port: number;
  database: string;
  user: string;
  /** The secret store ref holding the password (the value is never in an answer but `…/credentials`). */
  secretRef: string;
  /** The engine's client command without the password (`psql "host=… user=…"`). */
  command: string;
  /** Local platform, while the database runs: reachable from this machine here. */
  local?: { host: string; port: number; command: string } | undefined;
}

/**
 * `GET …/projects/{p}/credentials?environment=`: members only, audited, never cached or logged.
 * `url` uses the in-cluster host; `localUrl` the loopback address on the local platform.
 */
export interface CredentialsView {
  environment: Environment;
  engine: DatabaseEngine;
  user: string;
  database: string;
  password: string;
  url: string;
  localUrl?: string | undefined;
  version: number;
  rotatedAt?: string | undefined;
}

/** `POST …/projects/{p}/credentials/rotate`: the new version, and the run that rolls the database. */
export interface RotationView {
  environment: Environment;
  version: number;
  rotatedAt: string;
  /** The deploy run restarting the StatefulSet with the new password (absent before the first deploy). */
  runId?: string | undefined;
}

/** One read of a database's credentials, as `GET …/projects/{p}/credentials/reads` lists them. */
export interface CredentialReadView {
  environment: Environment;
  userId: string;
  username?: string | undefined;
  at: string;
}

/**
 * `GET …/projects/{p}/environments/{env}/services`: each microservice (or the monolith's or database's
 * one workload) as it runs now.
 */
export interface ServiceStatusView {
  name: string;
  entry: boolean;
  /** In-cluster URL siblings use (`http://<svc>.<ns>.svc.cluster.local`), as its `<SERVICE>_URL`. */
  url: string;
  images: string[];
  replicas: number;
  readyReplicas: number;
  restarts: number;
  health: HealthStatus;
}

/** One backup of a database's production environment, newest first in `GET …/projects/{p}/backups`. */
export interface BackupView {
  id: string;
  environment: Environment;
  createdAt: string;
  sizeBytes: number;
  /** Where it is: `s3://bucket/key` in AWS, the path below `.wharf/backups/` locally. */
  location: string;
}

/** What a pipeline shows of a release: enough to compare environments at a glance. */
export type ReleaseSummary = Pick<
  Release,
  'id' | 'number' | 'kind' | 'image' | 'sourceCommit' | 'commit' | 'createdAt' | 'createdBy' | 'promotedFrom'
>;

/** `GET …/environments/{env}/promotions/preview?releaseId=`: what a promotion would change. */
export interface PromotionPreview {
  source: ReleaseSummary & { environment: Environment };
  target: Environment;
  /** The target's live release now, if any. */
  current?: ReleaseSummary | undefined;
  image: { from?: string | undefined; to: string };
  /** values.yaml as it is live in the target now, and as the promotion would commit it. */
  values: { from?: string | undefined; to: string };
  envNames: { added: string[]; removed: string[]; kept: string[] };
  requiresApproval: boolean;
}

/** `GET /workspaces/{ws}/approvals`: runs waiting for an owner, with whether the caller may decide. */
export type ApprovalView = PendingApproval & {
  /** False for the requester while the workspace has another owner, and for members. */
  canDecide: boolean;
};
export interface ApprovalList {
  items: ApprovalView[];
}

/** `GET /workspaces/{id}/projects`. */
export type ProjectPage = Page<ProjectView>;

/** A workspace as the caller sees it: with their role in it. */
export type WorkspaceView = Workspace & { role: Role };

/** `GET /workspaces/{id}` and `POST /workspaces`: the workspace with its members. */
export type WorkspaceDetailView = WorkspaceView & { members: MemberView[] };

/** `GET /me`: the caller and the workspaces they belong to (the first call creates both). */
export interface MeView {
  user: User;
  workspaces: WorkspaceView[];
}

/** `GET …/deployments/{runId}/logs`: one page of a run's stored log lines. */
export interface RunLogPage {
  runId: string;
  status: Run['status'];
  lines: LogLine[];
  /** The seq to ask after for the next page. */
  nextAfter: number;
  /** Whether more stored lines follow this page. */
  more: boolean;
}

/** `GET /samples` (local platform only): a sample repository the local stack serves over git. */
export interface SampleView {
  name: string;
  /** The clone URL, e.g. http://localhost:8080/git/node-web.git */
  url: string;
  /** The first line of the sample's README. */
  description: string;
}

/** `GET …/releases?environment=`: one environment's releases, newest first. */
export type ReleasePage = Page<Release> & {
  /** The release live in this environment now. */
  currentReleaseId?: string | undefined;
  /** Git names another release than the live one (a run failed past its commit and Git could not be restored). */
  outOfSync?: OutOfSync | undefined;
};

/**
 * Every error answer, 401 and 404 included: the domain error's stable code, a message safe to show,
 * and the field at fault when there is one.
 */
export interface ErrorBody {
  error: Pick<DomainError, 'code' | 'message'> & Partial<Pick<DomainError, 'field'>>;
}
