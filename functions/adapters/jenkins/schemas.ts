import * as z from 'zod';

/**
 * The parts of Jenkins' remote access API (`…/api/json`) the adapter reads. Objects keep only the
 * fields named here; Jenkins sends many more (`_class`, links, …), which are ignored.
 */

const parameterSchema = z.object({ name: z.string(), value: z.unknown().optional() });

/** `actions` holds one object per action; `ParametersAction` is the one with `parameters`. Others are `{}`-like. */
const actionsSchema = z
  .array(z.object({ parameters: z.array(parameterSchema).optional() }).nullable())
  .optional();

/** `/crumbIssuer/api/json` */
export const crumbSchema = z.object({
  crumb: z.string().min(1),
  crumbRequestField: z.string().min(1),
});

/**
 * `/queue/item/<n>/api/json`. A waiting item has `why` (quiet period, waiting for an executor…);
 * once it leaves the queue (a LeftItem) it has `cancelled` and, when a build started, `executable`.
 */
export const queueItemSchema = z.object({
  id: z.number().int(),
  why: z.string().nullish(),
  cancelled: z.boolean().optional(),
  executable: z.object({ number: z.number().int().positive(), url: z.string().optional() }).nullish(),
  task: z.object({ name: z.string().optional() }).nullish(),
  actions: actionsSchema,
});
export type QueueItem = z.infer<typeof queueItemSchema>;

/** `/queue/api/json?tree=items[…]` */
export const queueSchema = z.object({
  items: z.array(queueItemSchema.pick({ id: true, task: true, actions: true })),
});

/** `/job/<job>/api/json?tree=builds[…]{0,50}`: newest first. */
export const jobBuildsSchema = z.object({
  builds: z.array(z.object({ number: z.number().int().positive(), actions: actionsSchema })).optional(),
});

/** `/job/<job>/<n>/api/json`: `result` stays null while the build runs. */
export const buildSchema = z.object({
  number: z.number().int().positive(),
  url: z.string().optional(),
  building: z.boolean(),
  // Plugins may add results; anything unknown is treated as a failure.
  result: z.string().nullish(),
  description: z.string().nullish(),
  artifacts: z.array(z.object({ relativePath: z.string() })).optional(),
});
export type JenkinsBuild = z.infer<typeof buildSchema>;

/** The value of a string parameter in an item's or build's actions. */
export function parameterValue(actions: z.infer<typeof actionsSchema>, name: string): string | undefined {
  for (const action of actions ?? []) {
    for (const parameter of action?.parameters ?? []) {
      if (parameter.name === name && typeof parameter.value === 'string') return parameter.value;
    }
  }
  return undefined;
}
