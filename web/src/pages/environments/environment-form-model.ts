import type { EnvironmentView } from '@shared/api.ts';
import type { EnvironmentTrigger } from '@shared/domain.ts';
import type { EnvironmentChanges } from '../../api/environments-service.ts';
import {
  type EnvRow,
  envRowErrors,
  envRowsFromView,
  envRowsToInput,
} from '../../components/env-var-editor.tsx';
import type { FieldErrors } from '../../components/form/field-errors.ts';
import type { Checked } from '../../components/form/use-submit.ts';

/** The environment settings form: text inputs hold strings, turned into numbers when sent. */
export interface EnvironmentFormState {
  domain: string;
  replicas: string;
  autoscaling: boolean;
  minReplicas: string;
  maxReplicas: string;
  targetCpuPercent: string;
  trigger: EnvironmentTrigger;
  tagPattern: string;
  requiresApproval: boolean;
  env: EnvRow[];
}

export function environmentForm(view: EnvironmentView): EnvironmentFormState {
  return {
    domain: view.domain ?? '',
    replicas: view.replicas === undefined ? '' : String(view.replicas),
    autoscaling: view.autoscaling !== undefined,
    // Starting values a user can accept as they are when turning autoscaling on.
    minReplicas: String(view.autoscaling?.minReplicas ?? view.replicas ?? 1),
    maxReplicas: String(view.autoscaling?.maxReplicas ?? Math.max(3, view.replicas ?? 1)),
    targetCpuPercent: String(view.autoscaling?.targetCpuPercent ?? 80),
    trigger: view.trigger,
    tagPattern: view.tagPattern,
    requiresApproval: view.requiresApproval,
    env: envRowsFromView(view.env),
  };
}

/** A whole number, or the rule it breaks (the API checks the range; this only keeps text out). */
function whole(value: string, errors: FieldErrors, path: string): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  errors[path] = 'must be a whole number';
  return undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The PATCH body: only what changed from `initial`, so a save never overwrites a field someone else
 * changed meanwhile. An emptied domain is sent as `null` (cleared), autoscaling turned off as `null`.
 */
export function environmentChanges(
  state: EnvironmentFormState,
  initial: EnvironmentFormState,
): Checked<EnvironmentChanges> {
  const errors: FieldErrors = { ...envRowErrors(state.env) };
  const changes: EnvironmentChanges = {};

  const domain = state.domain.trim();
  if (domain !== initial.domain.trim()) changes.domain = domain === '' ? null : domain;

  if (state.replicas.trim() !== initial.replicas.trim()) {
    const replicas = whole(state.replicas, errors, 'replicas');
    if (replicas !== undefined) changes.replicas = replicas;
  }

  if (state.autoscaling) {
    const next = {
      minReplicas: whole(state.minReplicas, errors, 'autoscaling.minReplicas'),
      maxReplicas: whole(state.maxReplicas, errors, 'autoscaling.maxReplicas'),
      targetCpuPercent: whole(state.targetCpuPercent, errors, 'autoscaling.targetCpuPercent'),
    };
    const before = initial.autoscaling
      ? {
          minReplicas: Number(initial.minReplicas),
          maxReplicas: Number(initial.maxReplicas),
          targetCpuPercent: Number(initial.targetCpuPercent),
        }
      : undefined;
    if (
      next.minReplicas !== undefined &&
      next.maxReplicas !== undefined &&
      next.targetCpuPercent !== undefined &&
      !same(next, before)
    ) {
      changes.autoscaling = {
        minReplicas: next.minReplicas,
        maxReplicas: next.maxReplicas,
        targetCpuPercent: next.targetCpuPercent,
      };
    }
  } else if (initial.autoscaling) changes.autoscaling = null;

  if (state.trigger !== initial.trigger) changes.trigger = state.trigger;
  if (state.trigger === 'tag' && state.tagPattern.trim() !== initial.tagPattern) {
    changes.tagPattern = state.tagPattern.trim();
  }
  if (state.requiresApproval !== initial.requiresApproval) changes.requiresApproval = state.requiresApproval;

  const env = envRowsToInput(state.env);
  if (!same(env, envRowsToInput(initial.env))) changes.env = env;

  if (Object.keys(errors).length > 0) return { errors };
  if (Object.keys(changes).length === 0) return { failure: 'Nothing changed, so there is nothing to save.' };
  return { data: changes };
}

/** Field paths a control of the form shows; any other error goes to the summary above the buttons. */
const SHOWN =
  /^(domain|replicas|autoscaling\.(minReplicas|maxReplicas|targetCpuPercent)|trigger|tagPattern|requiresApproval|env|env\.\d+\.(name|value))$/;

export const unshownErrors = (errors: FieldErrors) =>
  Object.entries(errors)
    .filter(([path]) => !SHOWN.test(path))
    .map(([path, rule]) => `${path === 'body' ? 'The request' : path} ${rule}`);
