import type { ImageRef } from '../deploy.ts';
import type { GitOpsFile } from '../deploy-ports.ts';
import type { DatabaseBinding, DatabaseProject, Project } from '../domain.ts';
import type { Environment } from '../naming.ts';

/** How the platform serves apps: set once per installation, the same for every release. */
export interface PlatformConfig {
  /** Apps without their own domain are served under this one, e.g. `apps.example.com`. */
  domain: string;
  /** The URL shown for a host; `https://<host>` when not given (the local stack maps hosts to ports). */
  liveUrl?: ((host: string) => string) | undefined;
  /** The cert-manager ClusterIssuer that signs Ingress certificates. */
  clusterIssuer: string;
  /** The External Secrets ClusterSecretStore that holds workspace secrets. */
  secretStore: string;
  ingressClassName?: string | undefined;
  /**
   * Where production databases' backup CronJobs put their dumps: the platform's S3 bucket (written
   * with the pod's service account), or on the local platform a folder of this machine mounted into
   * the Job. Without it no backup CronJob is rendered.
   */
  backups?:
    | { kind: 's3'; bucket: string; serviceAccount: string; region?: string | undefined }
    | { kind: 'hostPath'; path: string }
    | undefined;
}

/**
 * The one External Secrets API Wharf renders: ESO 0.17 (May 2025) stopped serving v1beta1, and v1
 * has been served since 0.16 with the same ExternalSecret fields. See served-apis.ts.
 */
export type ExternalSecretsApiVersion = 'external-secrets.io/v1';

export interface ReleaseRenderInput {
  workspace: { id: string; name: string };
  project: Project;
  environment: Environment;
  release: { id: string; number: number; runId: string };
  /** The built image: the app's, or for microservices the entry service's. Databases use the engine's. */
  image: ImageRef;
  /** Microservices: each service's image, by service name; a missing one falls back to `image`. */
  images?: Record<string, ImageRef> | undefined;
  /**
   * The databases the project is bound to (its `databases`), each with the database project the
   * caller loaded from the same workspace; the renderer points `env` at that database's connection
   * URL secret of the same environment.
   */
  databases?: Array<{ binding: DatabaseBinding; project: DatabaseProject }> | undefined;
  platform: PlatformConfig;
}

/** The identity file the ApplicationSet's git files generator reads. Keys are in this order. */
export interface ReleaseIdentity {
  appName: string;
  namespace: string;
  /** The Argo CD AppProject. */
  project: string;
  /**
   * The app's folder. Not called `path`: the files generator adds its own `path` object
   * (`{{.path.path}}`, `{{.path.basename}}`…) and would overwrite a `path` key from the file.
   */
  appPath: string;
  workspaceId: string;
  projectId: string;
  projectName: string;
  environment: Environment;
  releaseId: string;
  releaseNumber: number;
  runId: string;
}

export interface RenderedRelease {
  /** The app's folder in the GitOps repository: `apps/<workspace>/<user>/<project>/<environment>`. */
  path: string;
  appName: string;
  namespace: string;
  /** The Argo CD AppProject. */
  argoProject: string;
  /** Undefined for databases, which are not exposed. */
  host?: string | undefined;
  liveUrl?: string | undefined;
  /** The values.yaml text: the human-readable desired state. */
  values: string;
  /** Every env var name the app gets (the project's with the environment's overrides; plain and secret), in order. */
  envNames: string[];
  /** The images the release runs, pinned by digest where one is known. */
  images: Record<string, string>;
  identity: ReleaseIdentity;
  /** release.json, values.yaml and manifests.yaml, with full paths. */
  files: GitOpsFile[];
}

export interface BootstrapInput {
  repoUrl: string;
  /** The branch Argo CD follows; `main`. */
  revision: string;
  /** Where Argo CD runs; `argocd`. */
  argoNamespace: string;
  workspaces: Array<{ id: string; name: string; environments: Environment[] }>;
}
