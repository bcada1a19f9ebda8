import * as z from 'zod';
import { commitInfo } from '../commit-info.ts';
import type { Release, Run } from '../deploy.ts';
import type { DeployTurnRepository, ReleaseRepository, WebhookDeliveries } from '../deploy-ports.ts';
import type { Project } from '../domain.ts';
import { earlierEnvironments, environmentConfig, tagMatches } from '../environments.ts';
import { invalid } from '../errors.ts';
import type { Environment } from '../naming.ts';
import type { ProjectRepository } from '../ports.ts';
import { deployProject, type StartRunDeps } from './deployments.ts';
import { liveWithSameImage, promoteRelease } from './promotions.ts';

const pushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ clone_url: z.string(), html_url: z.string().optional() }),
  pusher: z.object({ name: z.string() }).optional(),
  // For a tag push: the commit the tag points to (GitHub's changelog of 2021-10-01), where `after`
  // is the tag's own object for an annotated tag and the commit only for a lightweight one.
  // The pushed head: its id, message and author, for the run's title ("Fix header · alice").
  head_commit: z
    .object({
      id: z.string(),
      message: z.string().nullish(),
      author: z.object({ name: z.string().nullish() }).nullish(),
    })
    .nullish(),
});

export interface WebhookDeps extends StartRunDeps {
  projects: ProjectRepository;
  releases: Pick<ReleaseRepository, 'getRelease' | 'listReleases'>;
  turns: Pick<DeployTurnRepository, 'getEnvironment'>;
  deliveries: WebhookDeliveries;
}

export interface GithubEvent {
  /** X-GitHub-Event */
  event: string;
  /** X-GitHub-Delivery: a GUID from GitHub; see DELIVERY_ID. */
  deliveryId: string;
  /** The verified JSON body. */
  payload: unknown;
}

/** A run a delivery started: a deploy (built from the pushed commit) or a promotion (no build). */
export interface WebhookDeployment {
  workspaceId: string;
  projectId: string;
  environment: Environment;
  runId: string;
  kind: Run['kind'];
}

/** An environment the push would have deployed, left alone, and why. */
export interface WebhookSkip {
  workspaceId: string;
  projectId: string;
  environment: Environment;
  reason: string;
}

/** What became of a delivery; the webhook handler picks the HTTP answer. */
export type GithubEventResult =
  | { outcome: 'pong' }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'duplicate'; deliveryId: string }
  | { outcome: 'deployed'; deployments: WebhookDeployment[]; skipped: WebhookSkip[] };

/**
 * GitHub's delivery ids are GUIDs; room is left for other formats, but not for anything that could not
 * be a key (the id is stored to recognise redeliveries).
 */
const DELIVERY_ID = /^[A-Za-z0-9-]{1,128}$/;
const COMMIT = /^[0-9a-f]{40}$/;
/** How far back an earlier environment's releases are searched for the tagged commit. */
const RELEASES_SEARCHED = 50;

type Push = z.infer<typeof pushSchema>;

/** The pushed commit with its message and author, when GitHub sent them for `sha`. */
function pushedCommit(push: Push, sha: string | undefined) {
  if (!sha) return undefined;
  const head = push.head_commit?.id === sha ? push.head_commit : undefined;
  return commitInfo(sha, head?.message, head?.author?.name);
}

/**
 * A verified GitHub webhook. A push to a branch deploys, in every project tracking that repository
 * and branch with auto-deploy on, each environment whose trigger is `push`. A pushed tag deploys each
 * environment whose trigger is `tag` and whose pattern matches: by promotion when an earlier
 * environment has a release built from the tagged commit, otherwise by building it. An environment
 * on hold (rolled back) is skipped and listed with the reason. A redelivery starts nothing twice.
 */
export function makeHandleGithubEvent(deps: WebhookDeps) {
  /** The hold that keeps an environment out of auto-deploy, in words, if there is one. */
  async function holdOf(project: Project, environment: Environment): Promise<string | undefined> {
    const { hold } = await deps.turns.getEnvironment(project.id, environment);
    if (!hold) return undefined;
    return `on hold since ${hold.at}: rolled back by ${hold.by}${hold.reason ? ` (${hold.reason})` : ''}; resume auto-deploy to deploy it again`;
  }

  /** The newest release of the nearest earlier environment that was built from `commit`. */
  async function releaseBuiltFrom(
    project: Project,
    environment: Environment,
    commit: string,
  ): Promise<Release | undefined> {
    for (const earlier of earlierEnvironments(project, environment).reverse()) {
      const { items } = await deps.releases.listReleases(project.id, earlier, { limit: RELEASES_SEARCHED });
      const built = items.find((r) => r.sourceCommit === commit);
      if (built) return built;
    }
    return undefined;
  }

  async function onBranch(push: Push, branch: string, by: string) {
    const commit = COMMIT.test(push.after) ? push.after : undefined;
    const projects = await deps.projects.findByRepository(push.repository.clone_url, branch);
    return deployEach(projects, 'push', async (project, environment) => {
      const run = await deployProject(
        deps,
        project,
        { environment, commit },
        { userId: by, trigger: 'webhook' },
        pushedCommit(push, commit),
      );
      return { run };
    });
  }

  async function onTag(push: Push, tag: string, by: string) {
    const id = push.head_commit?.id ?? push.after;
    const commit = COMMIT.test(id) ? id : undefined;
    const projects = await deps.projects.findByRepositoryUrl(push.repository.clone_url);
    return deployEach(
      projects,
      'tag',
      async (project, environment) => {
        const source = commit ? await releaseBuiltFrom(project, environment, commit) : undefined;
        if (!source) {
          const run = await deployProject(
            deps,
            project,
            { environment, commit },
            { userId: by, trigger: 'webhook' },
            pushedCommit(push, commit),
          );
          return { run };
        }
        const live = await liveWithSameImage(deps, project, environment, source);
        if (live) {
          return {
            skip: `already runs the image of release ${source.number} of ${source.environment} (built from ${commit?.slice(0, 12)})`,
          };
        }
        const run = await promoteRelease(deps, project, environment, source, {
          userId: by,
          trigger: 'webhook',
        });
        return { run };
      },
      (project, environment) => tagMatches(environmentConfig(project, environment).tagPattern, tag),
    );
  }

  /** Runs `start` for every environment of `projects` this trigger deploys, skipping held ones. */
  async function deployEach(
    projects: Project[],
    trigger: 'push' | 'tag',
    start: (project: Project, environment: Environment) => Promise<{ run: Run } | { skip: string }>,
    matches: (project: Project, environment: Environment) => boolean = () => true,
  ): Promise<GithubEventResult> {
    const deployments: WebhookDeployment[] = [];
    const skipped: WebhookSkip[] = [];
    for (const project of projects) {
      if (!('autoDeploy' in project) || !project.autoDeploy || project.deletedAt) continue;
      for (const environment of project.environments) {
        if (environmentConfig(project, environment).trigger !== trigger) continue;
        if (!matches(project, environment)) continue;
        const where = { workspaceId: project.workspaceId, projectId: project.id, environment };
        const held = await holdOf(project, environment);
        if (held) {
          skipped.push({ ...where, reason: held });
          continue;
        }
        const started = await start(project, environment);
        if ('skip' in started) skipped.push({ ...where, reason: started.skip });
        else deployments.push({ ...where, runId: started.run.id, kind: started.run.kind });
      }
    }
    return { outcome: 'deployed', deployments, skipped };
  }

  return async ({ event, deliveryId, payload }: GithubEvent): Promise<GithubEventResult> => {
    if (!DELIVERY_ID.test(deliveryId)) {
      throw invalid(
        'webhook.invalid_delivery',
        'X-GitHub-Delivery must be a delivery id (letters, digits and -, at most 128)',
        'headers',
      );
    }
    if (event === 'ping') return { outcome: 'pong' };
    if (event !== 'push') return { outcome: 'ignored', reason: event };
    const parsed = pushSchema.safeParse(payload);
    if (!parsed.success) throw invalid('webhook.invalid_push', 'body is not a GitHub push event', 'body');
    const push = parsed.data;
    const branch = push.ref.startsWith('refs/heads/') ? push.ref.slice('refs/heads/'.length) : undefined;
    const tag = push.ref.startsWith('refs/tags/') ? push.ref.slice('refs/tags/'.length) : undefined;
    if (!branch && !tag) return { outcome: 'ignored', reason: `push of ${push.ref}` };
    if (push.deleted || /^0+$/.test(push.after))
      return { outcome: 'ignored', reason: branch ? 'branch deleted' : 'tag deleted' };
    if (!(await deps.deliveries.claim(deliveryId))) return { outcome: 'duplicate', deliveryId };
    const by = `github:${push.pusher?.name ?? 'push'}`;
    return branch ? onBranch(push, branch, by) : onTag(push, tag as string, by);
  };
}
