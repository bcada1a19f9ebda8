import type { GitOpsFile, GitOpsRepository } from '../deploy-ports.ts';
import {
  type BootstrapTarget,
  renderWorkspaceBootstrap,
  workspaceBootstrapFile,
} from '../manifests/index.ts';

/** Logs what went wrong without failing the request. */
export interface WarningLog {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** What the workspace paths need to write a workspace's bootstrap file. */
export interface WorkspaceBootstrapPorts {
  gitops: Pick<GitOpsRepository, 'commit'>;
  target: BootstrapTarget;
  log: WarningLog;
}

const WHARF = { name: 'Wharf', email: 'wharf@users.wharf.invalid' };

/** What an operator runs to write a workspace's bootstrap file by hand (infra/aws/bootstrap-gitops.ts). */
export const operatorBootstrapCommand = (workspace: { id: string; name: string }) =>
  `npx tsx infra/aws/bootstrap-gitops.ts --repo <GitOps repository URL> --out <checkout> --workspace '${workspace.id}:${workspace.name}:production,staging'`;

/**
 * Commits the workspace's AppProject and namespaces (bootstrap/workspaces/<id>.yaml) as one small
 * commit of its own file, so that workspaces created together never conflict. Idempotent: the same
 * content again makes no commit. A failure does not fail the workspace: the first deploy writes the
 * file with its release (commit-desired-state.ts), which the log says.
 */
export async function bootstrapWorkspace(
  ports: WorkspaceBootstrapPorts,
  workspace: { id: string; name: string },
): Promise<void> {
  try {
    await ports.gitops.commit({
      message: `Bootstrap workspace ${workspace.name} (${workspace.id}): its Argo CD AppProject and namespaces`,
      author: WHARF,
      files: [renderWorkspaceBootstrap(ports.target, workspace)],
    });
  } catch (error) {
    ports.log.warn(
      'could not commit the workspace bootstrap file; the workspace is created and its first deploy writes the file with the release',
      { workspaceId: workspace.id, path: workspaceBootstrapFile(workspace.id), error },
    );
  }
}

/**
 * The workspace's bootstrap file when the GitOps head does not have it as this version renders it (a
 * workspace created before this, whose bootstrap commit failed, or whose AppProject predates a kind
 * releases now contain, such as a database's backup CronJob), to be written in the same commit as a
 * release; else none.
 */
export async function missingWorkspaceBootstrap(
  ports: { gitops: Pick<GitOpsRepository, 'head' | 'readFile'>; target: BootstrapTarget },
  workspace: { id: string; name: string },
): Promise<GitOpsFile[]> {
  const head = await ports.gitops.head();
  const present = head ? await ports.gitops.readFile(head, workspaceBootstrapFile(workspace.id)) : undefined;
  const current = renderWorkspaceBootstrap(ports.target, workspace);
  return present === current.content ? [] : [current];
}
