import type { Project } from '../domain.ts';
import { environmentConfig } from '../environments.ts';
import { invalid } from '../errors.ts';
import { dnsLabel, ENVIRONMENTS, type Environment, slugify, stableHash } from '../naming.ts';

/**
 * Names of things in the GitOps repository and in Argo CD. Each rule lives in exactly one function
 * here, so the renderer, the ApplicationSet template (through release.json), the workflow and the UI
 * never derive the same name twice.
 */

/** The folder every release.json lives under, and the depth the ApplicationSet generator globs. */
export const APPS_ROOT = 'apps';
export const RELEASE_FILE = 'release.json';
export const VALUES_FILE = 'values.yaml';
export const MANIFESTS_FILE = 'manifests.yaml';
export const BOOTSTRAP_ROOT = 'bootstrap';

/**
 * The Argo CD Application name. Applications share one namespace (argocd) across all tenants, so the
 * name carries the workspace id; project names are unique per workspace, environments per project.
 */
export function appName(input: {
  workspaceId: string;
  projectName: string;
  environment: Environment;
}): string {
  return dnsLabel([input.projectName, input.workspaceId, input.environment]);
}

/** The AppProject that confines a workspace's Applications to its own namespaces. */
export function argoProjectName(workspaceId: string): string {
  return dnsLabel(['wharf', workspaceId]);
}

const SAFE_SEGMENT = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const HASH_SUFFIX = /-[0-9a-f]{8}$/;
const SEGMENT_MAX = 63;

/**
 * A user id as one path segment. OIDC subjects may hold `|`, `@`, `:` or capitals; an id that is
 * already a safe lowercase label is kept as it is, anything else becomes a slug plus a hash of the
 * original. Kept ids never end in `-<8 hex>`, hashed ones always do, so the two can't collide.
 */
export function userPathSegment(userId: string): string {
  if (!userId) throw invalid('gitops.invalid_user', 'A user id is required to place a project in git.');
  if (userId.length <= SEGMENT_MAX && SAFE_SEGMENT.test(userId) && !HASH_SUFFIX.test(userId)) return userId;
  const hash = stableHash(userId);
  const head = slugify(userId)
    .slice(0, SEGMENT_MAX - hash.length - 1)
    .replace(/-+$/, '');
  return `${head || 'u'}-${hash}`;
}

function segment(value: string, what: string): string {
  if (!SAFE_SEGMENT.test(value) || value.length > SEGMENT_MAX) {
    throw invalid(
      'gitops.invalid_path',
      `${what} "${value}" can't be used as a folder name in the GitOps repository.`,
    );
  }
  return value;
}

/** `apps/<workspaceId>/<userSegment>/<projectName>/<environment>`: one folder per app. */
export function gitopsPath(input: {
  workspaceId: string;
  userId: string;
  projectName: string;
  environment: Environment;
}): string {
  return [
    APPS_ROOT,
    segment(input.workspaceId, 'The workspace id'),
    userPathSegment(input.userId),
    segment(input.projectName, 'The project name'),
    segment(input.environment, 'The environment'),
  ].join('/');
}

const HOST_MAX = 253;

/**
 * Where a project is served. Production uses the project's own domain when it has one; otherwise, and
 * for every other environment, the host is derived under the platform domain. The derived label
 * carries the workspace id because workspace names are not unique: two tenants with a workspace
 * called "payments" must never claim the same host.
 */
export function liveHost(input: {
  project: { name: string; domain?: string | undefined };
  workspace: { id: string; name: string };
  environment?: Environment | undefined;
  platformDomain: string;
}): string {
  const environment = input.environment ?? 'production';
  if (environment === 'production' && input.project.domain) return input.project.domain;
  const label = dnsLabel([
    input.project.name,
    input.workspace.name,
    environment === 'production' ? '' : environment,
    input.workspace.id,
  ]);
  const platformDomain = input.platformDomain.replace(/^\.+|\.+$/g, '').toLowerCase();
  const host = `${label}.${platformDomain}`;
  const labels = platformDomain.split('.');
  if (!platformDomain || host.length > HOST_MAX || !labels.every((l) => SAFE_SEGMENT.test(l))) {
    throw invalid(
      'gitops.invalid_host',
      `The platform domain "${input.platformDomain}" does not give a valid host.`,
    );
  }
  return host;
}

/** One spelling per host, as claimed and routed: DNS names are case-insensitive and `a.com.` is `a.com`. */
export function hostKey(host: string): string {
  return host.trim().toLowerCase().replace(/\.+$/, '');
}

/**
 * Where one environment of a project is served: its custom domain (production's is the project's
 * `domain`), or the host derived under the platform domain.
 */
export function environmentHost(input: {
  project: Project;
  workspace: { id: string; name: string };
  environment: Environment;
  platformDomain: string;
}): string {
  return (
    environmentConfig(input.project, input.environment).domain ??
    liveHost({ ...input, project: { name: input.project.name } })
  );
}

/**
 * Every host a project holds across all workspaces: the platform host of every environment Wharf
 * knows (claimed for life, since name and workspace are fixed, so adding an environment later never
 * meets a taken host) and the custom domain of each of its environments. None for a database: it is
 * not exposed.
 */
export function projectHosts(input: {
  project: Project;
  workspace: { id: string; name: string };
  platformDomain: string;
}): Array<{ host: string; environment: Environment }> {
  const { project } = input;
  if (project.type === 'database') return [];
  const claims = ENVIRONMENTS.map((environment) => ({
    host: hostKey(liveHost({ ...input, project: { name: project.name }, environment })),
    environment,
  }));
  for (const { host, environment } of projectDomains(project)) {
    if (!claims.some((claim) => claim.host === host)) claims.push({ host, environment });
  }
  return claims;
}

/** The custom domains of a project's environments, in pipeline order, as `hostKey` spells them. */
export function projectDomains(project: Project): Array<{ host: string; environment: Environment }> {
  return project.environments.flatMap((environment) => {
    const domain = environmentConfig(project, environment).domain;
    return domain ? [{ host: hostKey(domain), environment }] : [];
  });
}
