import type { EnvironmentView, PromotionPreview } from '@shared/api.ts';
import type { Run } from '@shared/deploy.ts';
import type { Autoscaling, EnvironmentTrigger } from '@shared/domain.ts';
import type { Environment } from '@shared/naming.ts';
import type { EnvVarInput } from '@shared/schemas/project.ts';
import { useMemo } from 'react';
import { type ApiClient, seg } from './client.ts';
import { useApi } from './context.tsx';

/**
 * The body of `PATCH …/environments/{env}`: every field optional, only the changed ones sent.
 * Declared here because shared/ has no schema for it yet; it mirrors the API contract of issue 13.
 */
export interface EnvironmentChanges {
  /** `null` clears the custom domain. */
  domain?: string | null;
  replicas?: number;
  /** `null` turns autoscaling off. */
  autoscaling?: Autoscaling | null;
  /** The environment's overrides of the project's variables (a secret without value keeps its stored one). */
  env?: EnvVarInput[];
  trigger?: EnvironmentTrigger;
  tagPattern?: string;
  requiresApproval?: boolean;
}

const environmentPath = (w: string, p: string, env: Environment) =>
  `/workspaces/${seg(w)}/projects/${seg(p)}/environments/${seg(env)}`;

/** One environment of a project: its settings, and resuming auto-deploy after a rollback put a hold on it. */
export function environmentsService(api: ApiClient) {
  return {
    get: (workspaceId: string, projectId: string, environment: Environment, signal?: AbortSignal) =>
      api.request<EnvironmentView>(
        'GET',
        environmentPath(workspaceId, projectId, environment),
        signal ? { signal } : {},
      ),

    /** Only the fields sent change. */
    update: (workspaceId: string, projectId: string, environment: Environment, changes: EnvironmentChanges) =>
      api.request<EnvironmentView>('PATCH', environmentPath(workspaceId, projectId, environment), {
        body: changes,
      }),

    /** Lifts the hold a rollback put on the environment: the next push (or tag) deploys again. */
    resumeHold: (workspaceId: string, projectId: string, environment: Environment) =>
      api.request<void>('DELETE', `${environmentPath(workspaceId, projectId, environment)}/hold`),
  };
}

/** Promoting a release of an earlier environment into `environment`, by its image (never rebuilt). */
export function promotionsService(api: ApiClient) {
  const promotions = (w: string, p: string, env: Environment) => `${environmentPath(w, p, env)}/promotions`;
  return {
    /** What the promotion would change: image, values.yaml, variable names, whether it waits for approval. */
    preview: (
      workspaceId: string,
      projectId: string,
      environment: Environment,
      releaseId: string,
      signal?: AbortSignal,
    ) =>
      api.request<PromotionPreview>('GET', `${promotions(workspaceId, projectId, environment)}/preview`, {
        query: { releaseId },
        ...(signal ? { signal } : {}),
      }),

    /** 202 with the promote run. */
    create: (workspaceId: string, projectId: string, environment: Environment, releaseId: string) =>
      api.request<Run>('POST', promotions(workspaceId, projectId, environment), { body: { releaseId } }),
  };
}

export type EnvironmentsService = ReturnType<typeof environmentsService>;
export type PromotionsService = ReturnType<typeof promotionsService>;

export function useEnvironments(): EnvironmentsService {
  const api = useApi();
  return useMemo(() => environmentsService(api), [api]);
}

export function usePromotions(): PromotionsService {
  const api = useApi();
  return useMemo(() => promotionsService(api), [api]);
}
