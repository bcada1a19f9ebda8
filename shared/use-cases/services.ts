import type { ServiceStatusView } from '../api.ts';
import type { SyncApp, SyncService, WorkloadStatus } from '../deploy-ports.ts';
import type { Identity, Project, Workspace } from '../domain.ts';
import { notFound } from '../errors.ts';
import { appName, gitopsPath } from '../manifests/names.ts';
import { databaseAddress } from '../manifests/render-release.ts';
import { dnsLabel, ENVIRONMENTS, type Environment, workspaceNamespace } from '../naming.ts';
import type { ProjectRepository, WorkspaceRepository } from '../ports.ts';
import { requireMember } from './access.ts';

export interface ServiceStatusDeps {
  workspaces: WorkspaceRepository;
  projects: Pick<ProjectRepository, 'get'>;
  sync: Pick<SyncService, 'workloads'>;
}

/** The app the GitOps repository holds for a project environment, named as the renderer names it. */
export function syncAppOf(project: Project, workspace: Workspace, environment: Environment): SyncApp {
  const projectName = project.name;
  return {
    name: appName({ workspaceId: workspace.id, projectName, environment }),
    path: gitopsPath({ workspaceId: workspace.id, userId: project.createdBy, projectName, environment }),
    namespace: workspaceNamespace(workspace, environment),
  };
}

/** What the project declares should run: one entry per microservice, or its one workload. */
function declared(project: Project, namespace: string) {
  if (project.type === 'microservices') {
    return project.services.map((service) => {
      const workload = dnsLabel([project.name, service.name]);
      return {
        name: service.name,
        entry: service.entry,
        workload,
        component: service.name as string | undefined,
        url: `http://${workload}.${namespace}.svc.cluster.local`,
      };
    });
  }
  const workload = dnsLabel([project.name]);
  if (project.type === 'database') {
    // Not HTTP: siblings reach a database by its engine's scheme and port.
    const address = databaseAddress(project, namespace);
    return [
      {
        name: project.name,
        entry: false,
        workload,
        component: undefined,
        url: `${project.engine}://${address.host}:${address.port}`,
      },
    ];
  }
  return [
    {
      name: project.name,
      entry: true,
      workload,
      component: undefined,
      url: `http://${workload}.${namespace}.svc.cluster.local`,
    },
  ];
}

/**
 * `GET …/projects/{p}/environments/{env}/services`: each declared service with the workload that
 * runs it now. A workload is matched by its component label when the sync service reports one
 * (Kubernetes labels survive a project rename of the Deployment), else by the Deployment name the
 * renderer gives it; a service with nothing running is listed as Missing with no replicas, so the
 * page shows every service the project declares.
 */
export function makeListServices(deps: ServiceStatusDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    environment: string,
  ): Promise<ServiceStatusView[]> => {
    const { workspace } = await requireMember(deps.workspaces, workspaceId, identity.userId);
    const project = await deps.projects.get(workspaceId, projectId);
    if (!project) throw notFound('project.not_found', `No project ${projectId} in this workspace.`);
    const env = ENVIRONMENTS.find((e) => e === environment);
    if (!env || !project.environments.includes(env))
      throw notFound('environment.not_found', `Project ${projectId} has no environment ${environment}.`);

    const app = syncAppOf(project, workspace, env);
    const running: WorkloadStatus[] = await deps.sync.workloads(app);
    return declared(project, app.namespace).map((service) => {
      const workload =
        (service.component !== undefined && running.find((w) => w.component === service.component)) ||
        running.find((w) => w.name === service.workload);
      if (!workload) {
        return {
          ...pick(service),
          images: [],
          replicas: 0,
          readyReplicas: 0,
          restarts: 0,
          health: 'Missing',
        };
      }
      return {
        ...pick(service),
        images: workload.images,
        replicas: workload.replicas,
        readyReplicas: workload.readyReplicas,
        restarts: workload.restarts,
        health: workload.health,
      };
    });
  };
}

const pick = (s: { name: string; entry: boolean; url: string }) => ({
  name: s.name,
  entry: s.entry,
  url: s.url,
});
