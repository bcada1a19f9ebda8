import { describe, expect, it } from 'vitest';
import { formatIssue } from './common.ts';
import { updateEnvironmentSchema } from './environment.ts';
import { projectSchemas } from './project.ts';

const firstError = (
  schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } },
  body: unknown,
) => {
  const r = schema.safeParse(body) as ReturnType<typeof updateEnvironmentSchema.safeParse>;
  return r.success ? undefined : formatIssue(r.error.issues[0] as never);
};

describe('environment PATCH schema', () => {
  it('accepts every field, and null to clear the domain and the autoscaling', () => {
    const body = {
      domain: 'staging.acme.io',
      replicas: 3,
      autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuPercent: 70 },
      env: [
        { name: 'A', value: 'b' },
        { name: 'S', secret: true },
      ],
      trigger: 'tag',
      tagPattern: 'release/v?.*',
      requiresApproval: true,
    };
    expect(updateEnvironmentSchema.parse(body)).toMatchObject({
      ...body,
      env: [{ secret: false }, { secret: true }],
    });
    expect(updateEnvironmentSchema.parse({ domain: null, autoscaling: null })).toEqual({
      domain: null,
      autoscaling: null,
    });
    expect(updateEnvironmentSchema.parse({})).toEqual({});
  });

  it.each([
    [{ tagPattern: '' }, 'tagPattern', 'must not be empty'],
    [{ tagPattern: 'v'.repeat(101) }, 'tagPattern', 'at most 100'],
    [{ tagPattern: 'v$(reboot)' }, 'tagPattern', 'tag glob'],
    [{ tagPattern: 'v 1' }, 'tagPattern', 'tag glob'],
    [
      { autoscaling: { minReplicas: 5, maxReplicas: 2, targetCpuPercent: 50 } },
      'autoscaling.maxReplicas',
      'at least minReplicas',
    ],
    [
      { autoscaling: { minReplicas: 0, maxReplicas: 2, targetCpuPercent: 50 } },
      'autoscaling.minReplicas',
      '1 to 20',
    ],
    [
      { autoscaling: { minReplicas: 1, maxReplicas: 21, targetCpuPercent: 50 } },
      'autoscaling.maxReplicas',
      '1 to 20',
    ],
    [
      { autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuPercent: 5 } },
      'autoscaling.targetCpuPercent',
      '10 to 95',
    ],
    [
      { autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuPercent: 96 } },
      'autoscaling.targetCpuPercent',
      '10 to 95',
    ],
    [{ autoscaling: { minReplicas: 1, maxReplicas: 2 } }, 'autoscaling.targetCpuPercent', 'required'],
    [{ replicas: 0 }, 'replicas', '1 to 20'],
    [{ trigger: 'cron' }, 'trigger', 'one of'],
    [{ domain: 'https://a.io:8443/' }, 'domain', 'hostname'],
    [{ domain: 'https://user@a.io' }, 'domain', 'hostname'],
    [{ domain: ' / ' }, 'domain', 'hostname'],
    [{ env: [{ name: 'BAD-NAME', value: 'x' }] }, 'env.0.name', 'POSIX'],
    [{ requiresApproval: 'yes' }, 'requiresApproval', 'boolean'],
    [{ name: 'staging' }, 'name', 'not a known field'],
  ])('%j → %s', (body, field, rule) => {
    const error = firstError(updateEnvironmentSchema, body);
    expect(error?.field).toBe(field);
    expect(error?.message).toContain(rule);
  });
});

const monolithBody = {
  name: 'web',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/web.git' },
  port: 3000,
};

describe('a pasted custom domain', () => {
  it.each([
    ['https://Shop.Example.com/', 'shop.example.com'],
    ['http://shop.example.com/checkout?x=1#top', 'shop.example.com'],
    ['  SHOP.example.com.  ', 'shop.example.com'],
    ['shop.example.com/', 'shop.example.com'],
  ])('%j is cleaned to %s', (domain, cleaned) => {
    expect(updateEnvironmentSchema.parse({ domain })).toEqual({ domain: cleaned });
    expect(projectSchemas('cloud').create.parse({ ...monolithBody, domain })).toMatchObject({
      domain: cleaned,
    });
  });

  it('still clears with null', () => {
    expect(updateEnvironmentSchema.parse({ domain: null })).toEqual({ domain: null });
  });
});

describe('project create: environments', () => {
  const { create } = projectSchemas('local');
  const db = { name: 'db', type: 'database', engine: 'postgres', version: '16', storage: '1Gi' };

  it('is optional, and takes production alone or staging then production', () => {
    expect(create.parse(db)).not.toHaveProperty('environments');
    expect(create.parse({ ...db, environments: ['production'] })).toMatchObject({
      environments: ['production'],
    });
    expect(create.parse({ ...db, environments: ['staging', 'production'] })).toMatchObject({
      environments: ['staging', 'production'],
    });
  });

  it.each([
    [['production', 'staging'], 'pipeline order'],
    [['production', 'production'], 'twice'],
    [['staging'], 'must include "production"'],
    [[], 'at least'],
    [['qa', 'production'], 'one of'],
  ])('%j is refused: %s', (environments, rule) => {
    const error = firstError(create, { ...db, environments });
    expect(error?.field).toMatch(/^environments/);
    expect(error?.message).toContain(rule);
  });
});
