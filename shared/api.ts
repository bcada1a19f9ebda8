import type { LogLine, Release, Run } from './deploy.ts';
import type { OutOfSync } from './deploy-ports.ts';
import type { EnvVarView, MemberView, Page, Project, User, Workspace } from './domain.ts';
import type { DomainError } from './errors.ts';
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
  ? Omit<P, 'env'> & { env: EnvVarView[]; namespaces: Record<string, string> }
  : never;

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
