import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { GitOpsFile } from '../deploy-ports.ts';
import { invalid } from '../errors.ts';
import { ENVIRONMENTS, type Environment, isDnsLabel, workspaceNamespace } from '../naming.ts';
import { argoProjectName, BOOTSTRAP_ROOT, MANIFESTS_FILE } from './names.ts';
import { RELEASE_GLOB } from './render-release.ts';
import type { BootstrapInput } from './types.ts';
import { RENDERED_KINDS } from './workloads.ts';
import { toYamlDocuments } from './yaml.ts';

export const ROOT_APP_NAME = 'wharf-bootstrap';
export const APPLICATION_SET_NAME = 'wharf-apps';
export const IN_CLUSTER = 'https://kubernetes.default.svc';
export const ROOT_APP_FILE = `${BOOTSTRAP_ROOT}/root-app.yaml`;
export const APPLICATION_SET_FILE = `${BOOTSTRAP_ROOT}/applicationset.yaml`;
export const workspaceBootstrapFile = (workspaceId: string) =>
  `${BOOTSTRAP_ROOT}/workspaces/${workspaceId}.yaml`;

const platformLabels = { 'app.kubernetes.io/part-of': 'wharf', 'app.kubernetes.io/managed-by': 'wharf' };
/** Projects and namespaces exist before the ApplicationSet creates Applications that use them. */
const EARLY_WAVE = { 'argocd.argoproj.io/sync-wave': '-1' };

/**
 * The app-of-apps Application. Applied once by hand (`kubectl apply -f bootstrap/root-app.yaml`);
 * from then on it manages everything under bootstrap/, itself included. It has no resources
 * finalizer on purpose: deleting it must never cascade into every tenant's workloads.
 */
function rootApplication(input: BootstrapInput): IApplication {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: ROOT_APP_NAME, namespace: input.argoNamespace, labels: platformLabels },
    spec: {
      project: 'default',
      source: {
        repoURL: input.repoUrl,
        targetRevision: input.revision,
        path: BOOTSTRAP_ROOT,
        directory: { recurse: true },
      },
      destination: { server: IN_CLUSTER, namespace: input.argoNamespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=false'],
      },
    },
  };
}

/**
 * One Application per release.json. Every value that names the app comes from release.json (which
 * `appName()` etc. wrote), so the rule lives in one place. The source folder is the generator's own
 * `path.path` (the folder the file was found in), and only manifests.yaml is applied: release.json
 * and values.yaml sit in the same folder but are not Kubernetes objects.
 */
function applicationSet(input: BootstrapInput): IApplicationSet {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: APPLICATION_SET_NAME, namespace: input.argoNamespace, labels: platformLabels },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        { git: { repoURL: input.repoUrl, revision: input.revision, files: [{ path: RELEASE_GLOB }] } },
      ],
      template: {
        metadata: {
          name: '{{.appName}}',
          labels: {
            ...platformLabels,
            'wharf.dev/workspace': '{{.workspaceId}}',
            'wharf.dev/project': '{{.projectId}}',
            'wharf.dev/environment': '{{.environment}}',
          },
          annotations: { 'wharf.dev/release': '{{.releaseId}}', 'wharf.dev/run': '{{.runId}}' },
          // Removing a project's folder deletes its Application, and with it the app's resources.
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: {
          project: '{{.project}}',
          source: {
            repoURL: input.repoUrl,
            targetRevision: input.revision,
            path: '{{.path.path}}',
            directory: { include: MANIFESTS_FILE },
          },
          destination: { server: IN_CLUSTER, namespace: '{{.namespace}}' },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=false', 'PruneLast=true', 'RespectIgnoreDifferences=true'],
            retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
          },
          // The HorizontalPodAutoscaler owns the replica count once the Deployment exists.
          ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
        },
      },
    },
  };
}

/** Confines a workspace's Applications to its own namespaces and to the kinds Wharf renders. */
function appProject(input: BootstrapTarget, workspace: BootstrapInput['workspaces'][number]): IAppProject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: {
      name: argoProjectName(workspace.id),
      namespace: input.argoNamespace,
      labels: { ...platformLabels, 'wharf.dev/workspace': workspace.id },
      annotations: EARLY_WAVE,
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      description: `Wharf workspace ${workspace.name} (${workspace.id})`,
      sourceRepos: [input.repoUrl],
      destinations: environmentsOf(workspace).map((environment) => ({
        server: IN_CLUSTER,
        namespace: workspaceNamespace(workspace, environment),
      })),
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: RENDERED_KINDS.map(({ group, kind }) => ({ group, kind })),
    },
  };
}

/**
 * A workspace environment's namespace. Pods must meet the `restricted` Pod Security Standard (what
 * Wharf renders does). Argo CD never prunes it: dropping a workspace from bootstrap must not delete
 * its databases' volumes; removing a tenant's data is a separate, deliberate step.
 */
function namespace(workspace: BootstrapInput['workspaces'][number], environment: Environment): INamespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: workspaceNamespace(workspace, environment),
      labels: {
        ...platformLabels,
        'wharf.dev/workspace': workspace.id,
        'wharf.dev/environment': environment,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
      annotations: { ...EARLY_WAVE, 'argocd.argoproj.io/sync-options': 'Prune=false' },
    },
  };
}

const environmentsOf = (workspace: BootstrapInput['workspaces'][number]) =>
  ENVIRONMENTS.filter((e) => workspace.environments.includes(e));

const HEADER = '# Generated by Wharf. Edits here are overwritten on the next bootstrap.\n';

/** Where Argo CD reads the GitOps repository: what a bootstrap file names besides its workspace. */
export type BootstrapTarget = Omit<BootstrapInput, 'workspaces'>;

function checkRepo(input: BootstrapTarget) {
  if (!input.repoUrl) throw invalid('bootstrap.invalid_repo', 'The GitOps repository URL is required.');
}

function checkWorkspaceId(id: string) {
  if (!isDnsLabel(id))
    throw invalid('bootstrap.invalid_workspace', `Workspace id "${id}" is not a DNS label.`);
}

function workspaceFile(input: BootstrapTarget, workspace: BootstrapInput['workspaces'][number]): GitOpsFile {
  return {
    path: workspaceBootstrapFile(workspace.id),
    content: toYamlDocuments(
      [...environmentsOf(workspace).map((e) => namespace(workspace, e)), appProject(input, workspace)],
      HEADER,
    ),
  };
}

/**
 * One workspace's bootstrap file (its AppProject and a namespace per environment), on its own: a
 * new workspace is one small commit of one new file, which never conflicts with another's. A
 * workspace created through the API gets every environment.
 */
export function renderWorkspaceBootstrap(
  input: BootstrapTarget,
  workspace: { id: string; name: string; environments?: Environment[] | undefined },
): GitOpsFile {
  checkRepo(input);
  checkWorkspaceId(workspace.id);
  return workspaceFile(input, { ...workspace, environments: workspace.environments ?? [...ENVIRONMENTS] });
}

/**
 * The files under bootstrap/: the root Application, the ApplicationSet, and per workspace one file
 * with its AppProject and namespaces. Deterministic (workspaces in id order). Workspaces created
 * through the API write their own file (renderWorkspaceBootstrap), so a bootstrap commit does not
 * delete the folder: it leaves other workspaces' files alone.
 */
export function renderBootstrap(input: BootstrapInput): GitOpsFile[] {
  checkRepo(input);
  const seen = new Set<string>();
  for (const w of input.workspaces) {
    checkWorkspaceId(w.id);
    if (seen.has(w.id)) throw invalid('bootstrap.duplicate_workspace', `Workspace ${w.id} is listed twice.`);
    seen.add(w.id);
  }
  const workspaces = [...input.workspaces].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return [
    { path: ROOT_APP_FILE, content: toYamlDocuments([rootApplication(input)], HEADER) },
    { path: APPLICATION_SET_FILE, content: toYamlDocuments([applicationSet(input)], HEADER) },
    ...workspaces.map((workspace) => workspaceFile(input, workspace)),
  ];
}
