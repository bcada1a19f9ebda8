import * as z from 'zod';
import { ENVIRONMENTS } from '../naming.ts';
import {
  CONTROL_RULE,
  dnsName,
  domainSchema,
  ENV_NAME_PATTERN,
  hasControlCharacter,
  hasControlCharacterInText,
  type Mode,
  portSchema,
  repositorySchema,
} from './common.ts';

export const PROJECT_NAME_MAX = 40;
export const PROJECT_TYPES = ['monolith', 'database', 'microservices'] as const;
export type ProjectType = (typeof PROJECT_TYPES)[number];
export const DATABASE_ENGINES = ['postgres', 'mysql', 'redis', 'mongodb'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

const envVarInputSchema = z
  .strictObject({
    name: z
      .string()
      .max(128, 'must be at most 128 characters')
      .refine((n) => !hasControlCharacter(n), CONTROL_RULE)
      .regex(
        ENV_NAME_PATTERN,
        'must be a POSIX environment variable name (letters, digits and _, not starting with a digit)',
      ),
    value: z
      .string()
      .max(32_768, 'must be at most 32768 characters')
      .refine(
        (v) => !hasControlCharacterInText(v),
        'must not contain control characters (such as NUL or escape); tab and line breaks are fine',
      )
      .optional(),
    secret: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    if (!v.secret && v.value === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: 'is required for a plain (non-secret) variable',
      });
    }
  });
export type EnvVarInput = z.infer<typeof envVarInputSchema>;

export const envListSchema = z
  .array(envVarInputSchema)
  .max(200, 'must have at most 200 variables')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      if (seen.has(v.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `must be unique; ${v.name} appears twice`,
        });
      }
      seen.add(v.name);
    });
  });

const servicePathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..') && !/[\s\\]/.test(p) && !p.includes('\0'),
    {
      message: 'must be a relative path inside the repository (no leading "/", no "..", no spaces)',
    },
  );

const healthPathSchema = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$/, 'must be a URL path starting with "/"');

/** Spring Boot's probe groups (actuator health): what a new service is probed on when it names none. */
export const SPRING_READINESS_PATH = '/actuator/health/readiness';
export const SPRING_LIVENESS_PATH = '/actuator/health/liveness';

// No defaults for the probe paths here: a PATCH must tell "left out" (keep what the service had) from
// a path, and a client's body stays what it sent: the use case gives new services Spring's paths.
const serviceSchema = z.strictObject({
  name: dnsName(30),
  path: servicePathSchema,
  port: portSchema,
  entry: z.boolean().default(false),
  readinessPath: healthPathSchema.optional(),
  livenessPath: healthPathSchema.optional(),
});

const servicesSchema = z
  .array(serviceSchema)
  .min(1, 'must list at least one service')
  .max(30, 'must have at most 30 services')
  .superRefine((services, ctx) => {
    const names = new Set<string>();
    services.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `must be unique; ${s.name} appears twice`,
        });
      names.add(s.name);
    });
    const entries = services.filter((s) => s.entry).length;
    if (entries !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `must mark exactly one service as the entry ("entry": true); found ${entries}`,
      });
    }
  });

export const replicasSchema = z
  .number()
  .int('must be an integer from 1 to 20')
  .min(1, 'must be an integer from 1 to 20')
  .max(20, 'must be an integer from 1 to 20');
const storageSchema = z
  .string()
  .regex(
    /^[1-9][0-9]{0,5}(Mi|Gi|Ti)$/,
    'must be a size such as 10Gi (a whole number followed by Mi, Gi or Ti)',
  );
/**
 * One field of a 5-field cron expression (what a Kubernetes CronJob's `schedule` takes): `*`, a number,
 * a range, a list of those, each with an optional `/step`, all within the field's bounds.
 */
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;
const CRON_PART = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;

function cronProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `must be a cron schedule of 5 fields (minute hour day-of-month month day-of-week), such as "0 3 * * *"; got ${fields.length}`;
  }
  for (const [i, field] of fields.entries()) {
    const bounds = CRON_FIELDS[i] as (typeof CRON_FIELDS)[number];
    for (const part of (field as string).split(',')) {
      const m = CRON_PART.exec(part);
      const numbers = m ? [m[2], m[3]].filter((n) => n !== undefined).map(Number) : [];
      const step = m?.[4] === undefined ? undefined : Number(m[4]);
      const outOfRange = numbers.some((n) => n < bounds.min || n > bounds.max);
      const backwards = numbers.length === 2 && (numbers[0] as number) > (numbers[1] as number);
      if (!m || outOfRange || backwards || step === 0) {
        return `must be a cron schedule: its ${bounds.name} field "${field}" must be *, a number from ${bounds.min} to ${bounds.max}, a range, a list, or any of them with /step`;
      }
    }
  }
  return undefined;
}

export const backupSchema = z.strictObject({
  schedule: z
    .string()
    .max(100, 'must be at most 100 characters')
    .superRefine((schedule, ctx) => {
      const problem = cronProblem(schedule);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  retain: z
    .number()
    .int('must be an integer from 1 to 90')
    .min(1, 'must be an integer from 1 to 90')
    .max(90, 'must be an integer from 1 to 90'),
});

/**
 * The databases an app is bound to: each a database project id of the same workspace (checked by the
 * use case, which can read them) and the variable its connection URL is given as, once each.
 */
export const databaseBindingsSchema = z
  .array(
    z.strictObject({
      projectId: z
        .string()
        .min(1, 'must not be empty')
        .max(64, 'must be at most 64 characters')
        .regex(/^[A-Za-z0-9_-]+$/, 'must be a project id (letters, digits, "-" and "_")'),
      env: z
        .string()
        .max(128, 'must be at most 128 characters')
        .regex(
          ENV_NAME_PATTERN,
          'must be a POSIX environment variable name (letters, digits and _, not starting with a digit)',
        ),
    }),
  )
  .max(20, 'must have at most 20 databases')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((b, i) => {
      if (seen.has(b.env)) {
        ctx.addIssue({ code: 'custom', path: [i, 'env'], message: `must be unique; ${b.env} appears twice` });
      }
      seen.add(b.env);
    });
  });

const versionSchema = z
  .string()
  .regex(/^[0-9]{1,4}(\.[0-9]{1,4}){0,2}$/, 'must be a version number such as 16 or 8.0');

/**
 * The environments a new project gets, in pipeline order: a subsequence of staging → production that
 * ends with production (the environment that serves the project's domain). Left out: staging and
 * production.
 */
const environmentsSchema = z
  .array(z.enum(ENVIRONMENTS))
  .min(1, 'must list at least "production"')
  .superRefine((list, ctx) => {
    const order = ['staging', 'production'];
    if (new Set(list).size !== list.length) {
      ctx.addIssue({ code: 'custom', message: 'must not list an environment twice' });
    } else if (list.some((e, i) => i > 0 && order.indexOf(e) < order.indexOf(list[i - 1] as string))) {
      ctx.addIssue({ code: 'custom', message: 'must be in pipeline order: "staging" before "production"' });
    } else if (!list.includes('production')) {
      ctx.addIssue({ code: 'custom', message: 'must include "production"' });
    }
  });

/** Builds the project schemas for a mode: repository rules differ between local and cloud. */
export function projectSchemas(mode: Mode) {
  const repository = repositorySchema(mode);
  const base = {
    name: dnsName(PROJECT_NAME_MAX),
    env: envListSchema.default([]),
    environments: environmentsSchema.optional(),
  };
  const monolithFields = {
    repository,
    port: portSchema,
    domain: domainSchema.optional(),
    autoDeploy: z.boolean().default(false),
    replicas: replicasSchema.default(1),
    healthCheckPath: healthPathSchema.default('/'),
    databases: databaseBindingsSchema.optional(),
  };
  const databaseFields = {
    engine: z.enum(DATABASE_ENGINES),
    version: versionSchema,
    storage: storageSchema,
    backup: backupSchema.optional(),
  };
  const microservicesFields = {
    repository,
    services: servicesSchema,
    domain: domainSchema.optional(),
    autoDeploy: z.boolean().default(false),
    databases: databaseBindingsSchema.optional(),
  };

  const create = z.discriminatedUnion(
    'type',
    [
      z.strictObject({ ...base, type: z.literal('monolith'), ...monolithFields }),
      z.strictObject({ ...base, type: z.literal('database'), ...databaseFields }),
      z.strictObject({ ...base, type: z.literal('microservices'), ...microservicesFields }),
    ],
    { error: `must be one of ${PROJECT_TYPES.map((t) => JSON.stringify(t)).join(', ')}` },
  );

  // PATCH: the same fields, all optional; name and type are fixed once created.
  const optional = <T extends Record<string, z.ZodType>>(fields: T) =>
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, unwrapDefault(v).optional()])) as {
      [K in keyof T]: z.ZodOptional<z.ZodType<z.output<T[K]>, z.input<T[K]>>>;
    };
  // A custom domain can be removed: `null` clears it (leaving the field out keeps it).
  const clearableDomain = { domain: domainSchema.nullable().optional() };
  // `null` (or `[]`) detaches every database.
  const clearableDatabases = { databases: databaseBindingsSchema.nullable().optional() };
  const update = {
    monolith: z.strictObject({
      env: envListSchema.optional(),
      ...optional(monolithFields),
      ...clearableDomain,
      ...clearableDatabases,
    }),
    database: z.strictObject({
      env: envListSchema.optional(),
      version: versionSchema.optional(),
      storage: storageSchema.optional(),
      backup: backupSchema.optional(),
    }),
    microservices: z.strictObject({
      env: envListSchema.optional(),
      ...optional(microservicesFields),
      ...clearableDomain,
      ...clearableDatabases,
    }),
  } as const;

  return { create, update };
}

function unwrapDefault(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema;
}

export type CreateProjectInput = z.infer<ReturnType<typeof projectSchemas>['create']>;
export type UpdateProjectInput = {
  [K in ProjectType]: z.infer<ReturnType<typeof projectSchemas>['update'][K]>;
};
