import { describe, expect, it } from 'vitest';
import { formatIssue } from './common.ts';
import { projectSchemas } from './project.ts';

const local = projectSchemas('local');
const cloud = projectSchemas('cloud');

const firstError = (schema: typeof local.create, body: unknown) => {
  const r = schema.safeParse(body);
  if (r.success) return undefined;
  return formatIssue(r.error.issues[0] as never);
};

const monolith = (over: Record<string, unknown> = {}) => ({
  name: 'web',
  type: 'monolith',
  repository: { url: 'https://github.com/acme/web.git', branch: 'main' },
  port: 3000,
  ...over,
});

describe('project schemas', () => {
  it('accepts one project of each type, with defaults', () => {
    expect(local.create.parse(monolith())).toMatchObject({ autoDeploy: false, replicas: 1, env: [] });
    expect(
      local.create.parse({
        name: 'db',
        type: 'database',
        engine: 'postgres',
        version: '16',
        storage: '10Gi',
      }),
    ).toMatchObject({ engine: 'postgres' });
    expect(
      local.create.parse({
        name: 'shop',
        type: 'microservices',
        repository: { url: 'https://github.com/acme/shop.git' },
        services: [
          { name: 'gateway', path: 'gateway', port: 8080, entry: true },
          { name: 'orders', path: 'services/orders', port: 8081 },
        ],
      }),
    ).toMatchObject({ repository: { branch: 'main' } });
  });

  it.each([
    [monolith({ name: 'Web_App' }), 'name', 'must be lowercase'],
    [monolith({ port: 70000 }), 'port', 'from 1 to 65535'],
    [monolith({ port: undefined }), 'port', 'is required'],
    [monolith({ repository: undefined }), 'repository', 'is required'],
    [monolith({ repository: { url: 'file:///etc/passwd' } }), 'repository.url', 'https'],
    [
      monolith({ repository: { url: 'https://user:pw@github.com/a/b.git' } }),
      'repository.url',
      'credentials',
    ],
    [monolith({ repository: { url: 'http://github.com/a/b.git' } }), 'repository.url', 'https'],
    [
      monolith({ repository: { url: 'https://github.com/a/b.git', branch: 'a..b' } }),
      'repository.branch',
      'branch',
    ],
    [monolith({ domain: 'not a host' }), 'domain', 'hostname'],
    [monolith({ env: [{ name: '1BAD', value: 'x' }] }), 'env.0.name', 'POSIX'],
    [
      monolith({
        env: [
          { name: 'A', value: 'x' },
          { name: 'A', value: 'y' },
        ],
      }),
      'env.1.name',
      'unique',
    ],
    [monolith({ env: [{ name: 'A' }] }), 'env.0.value', 'is required'],
    [monolith({ colour: 'blue' }), 'colour', 'not a known field'],
    [monolith({ type: 'lambda' }), 'type', 'must be one of'],
    [
      { name: 'db', type: 'database', engine: 'oracle', version: '1', storage: '1Gi' },
      'engine',
      'must be one of',
    ],
    [{ name: 'db', type: 'database', engine: 'mysql', version: '8', storage: 'lots' }, 'storage', '10Gi'],
    [
      {
        name: 'db',
        type: 'database',
        engine: 'mysql',
        version: '8',
        storage: '1Gi',
        repository: { url: 'https://a.b/c' },
      },
      'repository',
      'not a known field',
    ],
    [
      {
        name: 's',
        type: 'microservices',
        repository: { url: 'https://a.io/b' },
        services: [{ name: 'a', path: '../x', port: 1 }],
      },
      'services.0.path',
      'relative path',
    ],
    [
      {
        name: 's',
        type: 'microservices',
        repository: { url: 'https://a.io/b' },
        services: [{ name: 'a', path: 'a', port: 1 }],
      },
      'services',
      'exactly one service',
    ],
  ])('rejects %j naming %s', (body, field, rule) => {
    const error = firstError(local.create, body);
    expect(error?.field).toBe(field);
    expect(error?.message).toContain(field);
    expect(error?.message).toContain(rule);
  });

  it('allows loopback http only in local mode, and no private hosts in cloud mode', () => {
    const loop = monolith({ repository: { url: 'http://localhost:8080/git/node-sample.git' } });
    expect(local.create.safeParse(loop).success).toBe(true);
    expect(firstError(cloud.create, loop)?.field).toBe('repository.url');
    for (const url of [
      'https://10.0.0.5/a.git',
      'https://192.168.1.1/a.git',
      'https://169.254.169.254/latest',
      'https://[::1]/a.git',
      'https://localhost/a.git',
      'https://2130706433/a.git',
      'https://git.internal/a.git',
    ]) {
      expect(firstError(cloud.create, monolith({ repository: { url } }))?.message, url).toContain(
        'public host',
      );
    }
    expect(cloud.create.safeParse(monolith()).success).toBe(true);
  });

  it.each([
    'https://localhost./a.git',
    'https://LOCALHOST/a.git',
    'https://[::7f00:1]/a.git',
    'https://[::ffff:127.0.0.1]/a.git',
    'https://[::ffff:7f00:1]/a.git',
    'https://[::ffff:a9fe:a9fe]/latest',
    'https://[64:ff9b::a00:1]/a.git',
    'https://[64:ff9b::169.254.169.254]/latest',
    'https://[fd00::1]/a.git',
    'https://[fd00:ec2::254]/latest',
    'https://[fe80::1]/a.git',
    'https://0.0.0.0/a.git',
    'https://0/a.git',
    'https://0x7f.1/a.git',
    'https://0x7f000001/a.git',
    'https://0177.0.0.1/a.git',
    'https://127.1/a.git',
    'https://169.254.169.254./latest',
    'https://100.100.100.200/latest',
    'https://metadata.google.internal./computeMetadata/v1/',
    'https://metadata/computeMetadata/v1/',
    'https://gitea.tools.svc/a.git',
    'https://gitea.tools.svc.cluster.local./a.git',
    'https://kubernetes.default.svc/api',
  ])('rejects the internal host in %s in cloud mode, naming the field', (url) => {
    const error = firstError(cloud.create, monolith({ repository: { url } }));
    expect(error?.field).toBe('repository.url');
    expect(error?.message).toContain('public host');
  });

  it("keeps the local platform's own loopback http URLs working in local mode only", () => {
    for (const url of [
      'http://localhost:8080/git/node-sample.git',
      'http://127.0.0.1:8080/git/node-sample.git',
      'http://[::1]:8080/git/node-sample.git',
    ]) {
      expect(local.create.safeParse(monolith({ repository: { url } })).success, url).toBe(true);
      expect(firstError(cloud.create, monolith({ repository: { url } }))?.field, url).toBe('repository.url');
    }
    // http to anything but loopback stays refused locally, however the host is written.
    for (const url of ['http://10.0.0.5/a.git', 'http://github.com/a.git', 'http://[fd00::1]/a.git']) {
      expect(firstError(local.create, monolith({ repository: { url } }))?.message, url).toContain('https');
    }
  });
});

describe('database, binding and service fields (issue 15)', () => {
  const database = (over: Record<string, unknown> = {}) => ({
    name: 'db',
    type: 'database',
    engine: 'postgres',
    version: '16',
    storage: '1Gi',
    ...over,
  });
  const shop = (services: unknown[]) => ({
    name: 'shop',
    type: 'microservices',
    repository: { url: 'https://github.com/acme/shop.git' },
    services,
  });

  it('accepts a backup schedule and retention on create and update', () => {
    const backup = { schedule: '30 2 * * 1-5', retain: 14 };
    expect(local.create.parse(database({ backup }))).toMatchObject({ backup });
    expect(
      local.update.database.parse({ backup: { schedule: '*/15 0,12 1 1-12/2 0', retain: 90 } }),
    ).toMatchObject({
      backup: { retain: 90 },
    });
  });

  it.each([
    [{ schedule: '0 3 * *', retain: 7 }, 'backup.schedule', '5 fields'],
    [{ schedule: '60 3 * * *', retain: 7 }, 'backup.schedule', 'minute field "60"'],
    [{ schedule: '0 3 * 13 *', retain: 7 }, 'backup.schedule', 'month field'],
    [{ schedule: '0 5-3 * * *', retain: 7 }, 'backup.schedule', 'hour field'],
    [{ schedule: '*/0 3 * * *', retain: 7 }, 'backup.schedule', 'minute field'],
    [{ schedule: '0 3 * * MON; rm -rf /', retain: 7 }, 'backup.schedule', 'cron schedule'],
    [{ schedule: '0 3 * * *', retain: 0 }, 'backup.retain', 'from 1 to 90'],
    [{ schedule: '0 3 * * *', retain: 91 }, 'backup.retain', 'from 1 to 90'],
  ])('rejects the backup %j naming %s', (backup, field, rule) => {
    const error = firstError(local.create, database({ backup }));
    expect(error?.field).toBe(field);
    expect(error?.message).toContain(rule);
  });

  it('accepts database bindings on apps, and null to detach on update', () => {
    const databases = [{ projectId: 'p123', env: 'DATABASE_URL' }];
    expect(local.create.parse(monolith({ databases }))).toMatchObject({ databases });
    expect(local.update.monolith.parse({ databases: null })).toEqual({ databases: null });
    expect(local.update.microservices.parse({ databases: [] })).toEqual({ databases: [] });
    expect(local.update.database.safeParse({ databases }).success).toBe(false);
  });

  it.each([
    [[{ projectId: 'p1', env: '1URL' }], 'databases.0.env', 'POSIX'],
    [[{ projectId: 'p 1', env: 'URL' }], 'databases.0.projectId', 'project id'],
    [
      [
        { projectId: 'p1', env: 'URL' },
        { projectId: 'p2', env: 'URL' },
      ],
      'databases.1.env',
      'unique',
    ],
    [[{ projectId: 'p1' }], 'databases.0.env', 'is required'],
  ])('rejects the bindings %j naming %s', (databases, field, rule) => {
    const error = firstError(local.create, monolith({ databases }));
    expect(error?.field).toBe(field);
    expect(error?.message).toContain(rule);
  });

  it('accepts probe paths on services, leaves them out when not given, and checks them', () => {
    const created = local.create.parse(
      shop([
        { name: 'gateway', path: 'gateway', port: 8080, entry: true },
        { name: 'orders', path: 'orders', port: 8080, readinessPath: '/ready', livenessPath: '/alive' },
      ]),
    );
    // Spring's defaults are the use case's: the body stays what the client sent.
    expect(created.type === 'microservices' && created.services).toEqual([
      { name: 'gateway', path: 'gateway', port: 8080, entry: true },
      {
        name: 'orders',
        path: 'orders',
        port: 8080,
        entry: false,
        readinessPath: '/ready',
        livenessPath: '/alive',
      },
    ]);
    expect(
      firstError(local.create, shop([{ name: 'a', path: 'a', port: 1, entry: true, livenessPath: 'health' }]))
        ?.field,
    ).toBe('services.0.livenessPath');
  });
});
