import type { PromotionPreview, ReleaseSummary } from '../api.ts';
import type { ImageRef, Release, Run, RunTrigger } from '../deploy.ts';
import type { Identity, Project } from '../domain.ts';
import { earlierEnvironments, environmentConfig } from '../environments.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { renderRelease } from '../manifests/index.ts';
import type { PlatformConfig } from '../manifests/types.ts';
import type { Environment } from '../naming.ts';
import type { PromotionRequest } from '../schemas/deployment.ts';
import { loadBoundDatabases } from './bound-databases.ts';
import {
  type DeploymentDeps,
  newRun,
  projectFor,
  type StartRunDeps,
  startRun,
  targetOf,
} from './deployments.ts';

/**
 * Promotion: a release of an earlier environment goes to a later one by its image digest, never
 * rebuilt. The workflow renders the target's files from the target's own configuration and the
 * source release's image (CommitDesiredState), so what was tested is what runs.
 */

export type PromotionDeps = StartRunDeps &
  Pick<DeploymentDeps, 'workspaces' | 'projects' | 'releases' | 'turns'>;

export type PromotionPreviewDeps = Pick<DeploymentDeps, 'workspaces' | 'projects' | 'releases' | 'turns'> & {
  platform: PlatformConfig;
};

/** The project's environment named in the path; any other name is simply not found. */
export function targetEnvironment(project: Project, environment: string): Environment {
  const target = project.environments.find((e) => e === environment);
  if (!target)
    throw notFound('environment.not_found', `No environment ${environment} in project ${project.name}.`);
  return target;
}

/** The release to promote: this project's, and of an environment before the target in its pipeline. */
export async function promotionSource(
  deps: Pick<DeploymentDeps, 'releases'>,
  project: Project,
  target: Environment,
  releaseId: string,
): Promise<Release> {
  const release = await deps.releases.getRelease(project.id, releaseId);
  if (!release || release.projectId !== project.id)
    throw notFound('release.not_found', `No release ${releaseId} of this project.`);
  const earlier = earlierEnvironments(project, target);
  if (!earlier.includes(release.environment)) {
    throw invalid(
      'promotion.invalid_source',
      earlier.length === 0
        ? `releaseId must be a release of an environment before ${target}, and ${target} is the first of the pipeline`
        : `releaseId must be a release of ${earlier.join(' or ')} (an environment before ${target}); release ${release.number} is of ${release.environment}`,
      'releaseId',
    );
  }
  return release;
}

/** Every image a release runs, by what identifies it (the digest; a database's engine image has none). */
function imageKeys(release: Pick<Release, 'image' | 'images'>): string {
  const key = (i: ImageRef) => i.digest || i.reference;
  const services = Object.entries(release.images ?? {})
    .map(([name, image]) => `${name}=${key(image)}`)
    .sort();
  return [key(release.image), ...services].join(' ');
}

/** The target's live release when it runs exactly the source's images (a promotion would change nothing). */
export async function liveWithSameImage(
  deps: {
    releases: Pick<DeploymentDeps['releases'], 'getRelease'>;
    turns: Pick<DeploymentDeps['turns'], 'getEnvironment'>;
  },
  project: Project,
  target: Environment,
  source: Release,
): Promise<Release | undefined> {
  const env = await deps.turns.getEnvironment(project.id, target);
  const live = env.currentReleaseId
    ? await deps.releases.getRelease(project.id, env.currentReleaseId)
    : undefined;
  return live && imageKeys(live) === imageKeys(source) ? live : undefined;
}

/**
 * Starts a promotion run of `source` into `target` (checked by the caller): no build, the source's
 * commit shown as the run's source. The API and the tag webhook both start promotions here.
 */
export function promoteRelease(
  deps: StartRunDeps,
  project: Project,
  target: Environment,
  source: Release,
  by: { userId: string; trigger: RunTrigger },
): Promise<Run> {
  const repository =
    'repository' in project
      ? { repositoryUrl: project.repository.url, branch: project.repository.branch }
      : undefined;
  return startRun(
    deps,
    newRun(deps, project, target, {
      kind: 'promote',
      requestedBy: by.userId,
      trigger: by.trigger,
      targetReleaseId: source.id,
      promotedFrom: { releaseId: source.id, environment: source.environment, number: source.number },
      ...targetOf(source),
      ...(repository ? { source: { ...repository, commit: source.sourceCommit } } : {}),
    }),
    project,
  );
}

/** `POST …/environments/{environment}/promotions` → 202 with the promote run. */
export function makeRequestPromotion(deps: PromotionDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    environment: string,
    request: PromotionRequest,
  ): Promise<Run> => {
    const project = await projectFor(deps, identity, workspaceId, projectId);
    const target = targetEnvironment(project, environment);
    const source = await promotionSource(deps, project, target, request.releaseId);
    const live = await liveWithSameImage(deps, project, target, source);
    if (live) {
      throw conflict(
        'release.already_live',
        `${target} already runs the image of release ${source.number} of ${source.environment} (its release ${live.number}).`,
        'releaseId',
      );
    }
    return promoteRelease(deps, project, target, source, { userId: identity.userId, trigger: 'user' });
  };
}

const summary = (r: Release): ReleaseSummary => ({
  id: r.id,
  number: r.number,
  kind: r.kind,
  image: r.image,
  sourceCommit: r.sourceCommit,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  promotedFrom: r.promotedFrom,
});

const imageText = (i: ImageRef) => (i.digest ? `${i.reference}@${i.digest}` : i.reference);

/**
 * `GET …/environments/{environment}/promotions/preview?releaseId=`: what the promotion would commit,
 * rendered by the same function CommitDesiredState uses, against what the target runs now. The
 * release identity in the rendered values is the next release's number; its id is only known once
 * the run exists, so the preview names it `preview`.
 */
export function makePreviewPromotion(deps: PromotionPreviewDeps) {
  return async (
    identity: Identity,
    workspaceId: string,
    projectId: string,
    environment: string,
    releaseId: string,
  ): Promise<PromotionPreview> => {
    const project = await projectFor(deps, identity, workspaceId, projectId);
    const target = targetEnvironment(project, environment);
    const source = await promotionSource(deps, project, target, releaseId);
    const workspace = await deps.workspaces.get(workspaceId);
    if (!workspace) throw notFound('workspace.not_found', `No workspace ${workspaceId}.`);
    const env = await deps.turns.getEnvironment(project.id, target);
    const current = env.currentReleaseId
      ? await deps.releases.getRelease(project.id, env.currentReleaseId)
      : undefined;
    // The preview shows what CommitDesiredState would commit: with the same bound databases.
    const databases = await loadBoundDatabases(deps.projects, project, (message) =>
      conflict('project.database_gone', message),
    );
    const rendered = renderRelease({
      workspace,
      project,
      environment: target,
      release: { id: 'preview', number: env.releaseCount + 1, runId: 'preview' },
      image: source.image,
      images: source.images,
      databases,
      platform: deps.platform,
    });
    const before = new Set(current?.envNames ?? []);
    const after = new Set(rendered.envNames);
    return {
      source: { ...summary(source), environment: source.environment },
      target,
      current: current && summary(current),
      image: { from: current && imageText(current.image), to: imageText(source.image) },
      values: { from: current?.values, to: rendered.values },
      envNames: {
        added: [...after].filter((n) => !before.has(n)).sort(),
        removed: [...before].filter((n) => !after.has(n)).sort(),
        kept: [...after].filter((n) => before.has(n)).sort(),
      },
      requiresApproval: environmentConfig(project, target).requiresApproval,
    };
  };
}

/**
 * `DELETE …/environments/{environment}/hold` → 204: auto-deploy (push and tag triggers) resumes. Any
 * member may resume, as any member may roll back; resuming without a hold is a no-op.
 */
export function makeResumeHold(deps: Pick<DeploymentDeps, 'workspaces' | 'projects' | 'turns'>) {
  return async (identity: Identity, workspaceId: string, projectId: string, environment: string) => {
    const project = await projectFor(deps, identity, workspaceId, projectId);
    await deps.turns.clearHold(project.id, targetEnvironment(project, environment));
  };
}
