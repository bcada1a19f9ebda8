import * as z from 'zod';
import type { WebhookDeliveries } from '../deploy-ports.ts';
import { invalid } from '../errors.ts';
import type { ProjectRepository } from '../ports.ts';
import { deployProject, type StartRunDeps } from './deployments.ts';

const pushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ clone_url: z.string(), html_url: z.string().optional() }),
  pusher: z.object({ name: z.string() }).optional(),
});

export interface WebhookDeps extends StartRunDeps {
  projects: ProjectRepository;
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

/** What became of a delivery; the webhook handler picks the HTTP answer. */
export type GithubEventResult =
  | { outcome: 'pong' }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'duplicate'; deliveryId: string }
  | { outcome: 'deployed'; deployments: Array<{ workspaceId: string; projectId: string; runId: string }> };

/**
 * GitHub's delivery ids are GUIDs; room is left for other formats, but not for anything that could not
 * be a key (the id is stored to recognise redeliveries).
 */
const DELIVERY_ID = /^[A-Za-z0-9-]{1,128}$/;

/**
 * A verified GitHub webhook: `push` deploys every project that tracks that repository and branch
 * with auto-deploy on; a redelivery (same delivery id) starts nothing twice.
 */
export function makeHandleGithubEvent(deps: WebhookDeps) {
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
    if (!push.ref.startsWith('refs/heads/')) return { outcome: 'ignored', reason: 'push of a tag' };
    if (push.deleted || /^0+$/.test(push.after)) return { outcome: 'ignored', reason: 'branch deleted' };
    if (!(await deps.deliveries.claim(deliveryId))) return { outcome: 'duplicate', deliveryId };

    const branch = push.ref.slice('refs/heads/'.length);
    const projects = (await deps.projects.findByRepository(push.repository.clone_url, branch)).filter(
      (p) => 'autoDeploy' in p && p.autoDeploy && !p.deletedAt,
    );
    const commit = /^[0-9a-f]{40}$/.test(push.after) ? push.after : undefined;
    const deployments: Array<{ workspaceId: string; projectId: string; runId: string }> = [];
    for (const project of projects) {
      const run = await deployProject(
        deps,
        project,
        { environment: 'production', commit },
        { userId: `github:${push.pusher?.name ?? 'push'}`, trigger: 'webhook' },
      );
      deployments.push({ workspaceId: project.workspaceId, projectId: project.id, runId: run.id });
    }
    return { outcome: 'deployed', deployments };
  };
}
