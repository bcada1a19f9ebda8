import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckedObject } from './manifest-check.ts';
import { decideRun, expandEnv, launchKey, launchPlan, readinessCheck, resolveEnv } from './run-plan.ts';

const HEX = 'c'.repeat(64);

const object = (kind: string, name: string, rest: Record<string, unknown> = {}): CheckedObject => ({
  apiVersion:
    kind === 'ExternalSecret' ? 'external-secrets.io/v1beta1' : kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name },
  ...rest,
});

const deployment = (image: string, replicas = 1) =>
  object('Deployment', 'web', {
    spec: {
      replicas,
      template: {
        spec: {
          containers: [{ name: 'app', image, readinessProbe: { httpGet: { path: 'ready', port: 80 } } }],
        },
      },
    },
  });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-run-plan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decideRun', () => {
  it('runs a monolith whose digest has a local build, with its hosts and probe', async () => {
    await mkdir(join(dir, HEX));
    const ingress = object('Ingress', 'web', {
      apiVersion: 'networking.k8s.io/v1',
      spec: { rules: [{ host: 'Web.Localhost' }] },
    });
    const decision = await decideRun([deployment(`r/web@sha256:${HEX}`), ingress], { type: 'monolith' }, dir);
    expect(decision).toMatchObject({
      run: true,
      hex: HEX,
      artifactDir: join(dir, HEX),
      hosts: ['web.localhost'],
      readiness: { type: 'http', path: '/ready' },
    });
  });

  it('says why it does not run something', async () => {
    const db = object('StatefulSet', 'db', { apiVersion: 'apps/v1' });
    expect(await decideRun([db], undefined, dir)).toEqual({
      run: false,
      why: 'databases run only in a cluster',
    });
    expect(await decideRun([deployment('r/web:latest')], undefined, dir)).toEqual({
      run: false,
      why: 'the image r/web:latest is not pinned to a sha256 digest',
    });
    expect(await decideRun([deployment(`r/web@sha256:${HEX}`, 0)], undefined, dir)).toEqual({
      run: false,
      why: 'scaled to zero replicas',
    });
  });
});

describe('readinessCheck', () => {
  it('maps httpGet, and anything else to a TCP check, with the kubelet default timeout', () => {
    expect(
      readinessCheck({
        httpGet: { path: '/healthz', port: 80, httpHeaders: [{ name: 'x-probe', value: '1' }] },
        timeoutSeconds: 3,
      }),
    ).toEqual({
      type: 'http',
      path: '/healthz',
      headers: { 'x-probe': '1' },
      timeoutMs: 3_000,
      budgetMs: 30_000,
      port: 80,
    });
    expect(readinessCheck({ tcpSocket: { port: 5432 } })).toEqual({
      type: 'tcp',
      timeoutMs: 1_000,
      budgetMs: 30_000,
      port: 5432,
    });
    expect(readinessCheck(undefined)).toEqual({ type: 'tcp', timeoutMs: 1_000, budgetMs: 30_000 });
  });

  it("gives the kubelet's budget (initial delay + failureThreshold × period) and resolves a named port", () => {
    const check = readinessCheck(
      {
        httpGet: { path: '/ready', port: 'http' },
        initialDelaySeconds: 3,
        periodSeconds: 5,
        failureThreshold: 3,
      },
      { name: 'app', ports: [{ name: 'http', containerPort: 3000 }] },
    );
    expect(check).toMatchObject({ type: 'http', path: '/ready', port: 3000, budgetMs: 18_000 });
  });
});

describe('launchPlan', () => {
  it('prefers npm start, then the Node entry file, then static files', async () => {
    await writeFile(join(dir, 'index.html'), '<h1>hi</h1>');
    expect(await launchPlan(dir)).toMatchObject({ kind: 'static', root: dir });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ main: '../outside.js' }));
    await writeFile(join(dir, 'server.js'), '');
    expect(await launchPlan(dir)).toMatchObject({
      kind: 'command',
      display: 'node server.js',
      args: ['server.js'],
    });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ scripts: { start: 'node server.js' } }));
    expect(await launchPlan(dir)).toMatchObject({ kind: 'command', command: 'npm', args: ['run', 'start'] });
  });

  it("serves a single-page app's build output and explains an empty build", async () => {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'vite build' } }));
    expect(await launchPlan(dir)).toEqual({ error: expect.stringContaining('nothing can run') });
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist', 'index.html'), '');
    expect(await launchPlan(dir)).toMatchObject({ kind: 'static', root: join(dir, 'dist') });
    await writeFile(join(dir, 'package.json'), '{');
    expect(await launchPlan(dir)).toEqual({
      error: expect.stringContaining('package.json of the build is not valid JSON'),
    });
  });
});

describe('expandEnv', () => {
  it("follows Kubernetes' $(VAR) rules", () => {
    const env = { HOST: 'db', PORT: '5432' };
    expect(expandEnv('postgres://$(HOST):$(PORT)/x', env)).toBe('postgres://db:5432/x');
    expect(expandEnv('$(MISSING) and $$(HOST) and $$', env)).toBe('$(MISSING) and $(HOST) and $');
  });
});

describe('resolveEnv', () => {
  const externalSecret = object('ExternalSecret', 'web-env', {
    spec: { target: { name: 'web-env' }, data: [{ secretKey: 'TOKEN', remoteRef: { key: 'ws/web/TOKEN' } }] },
  });
  const configMap = object('ConfigMap', 'settings', { data: { MODE: 'fast' } });
  const secrets = { get: async (ref: string) => (ref === 'ws/web/TOKEN' ? 't0ken-value' : undefined) };
  const context = { namespace: 'team-a', podName: 'web-local', secrets };

  it('builds the env in order: envFrom, then env with secrets, config maps, fields and expansion', async () => {
    const container: IContainer = {
      name: 'app',
      envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
      env: [
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-env', key: 'TOKEN' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'AUTH', value: 'Bearer $(TOKEN)' },
        { name: 'EMPTY' },
      ],
    };
    expect(await resolveEnv(container, [externalSecret, configMap], context)).toEqual({
      ok: true,
      env: {
        CFG_MODE: 'fast',
        TOKEN: 't0ken-value',
        MODE: 'fast',
        NS: 'team-a',
        AUTH: 'Bearer t0ken-value',
        EMPTY: '',
      },
      secretValues: ['t0ken-value'],
    });
  });

  it('names what is missing, and skips optional references', async () => {
    const ref = (name: string, key: string, optional?: boolean) => ({
      name: 'X',
      valueFrom: { secretKeyRef: { name, key, ...(optional ? { optional } : {}) } },
    });
    expect(await resolveEnv({ name: 'app', env: [ref('nope', 'K')] }, [externalSecret], context)).toEqual({
      ok: false,
      message: 'env X: no ExternalSecret in this folder makes the Secret "nope"',
    });
    expect(
      await resolveEnv({ name: 'app', env: [ref('web-env', 'OTHER')] }, [externalSecret], context),
    ).toEqual({
      ok: false,
      message: 'env X: the Secret "web-env" has no key "OTHER"',
    });
    expect(
      await resolveEnv({ name: 'app', env: [ref('nope', 'K', true)] }, [externalSecret], context),
    ).toEqual({
      ok: true,
      env: {},
      secretValues: [],
    });
  });
});

describe('launchKey', () => {
  it('changes with the artifact, the command or the env, not otherwise', () => {
    const plan = {
      kind: 'command' as const,
      display: 'npm run start',
      command: 'npm',
      args: ['run', 'start'],
    };
    const key = launchKey(HEX, plan, { A: '1' });
    expect(launchKey(HEX, plan, { A: '1' })).toBe(key);
    expect(launchKey(HEX, plan, { A: '2' })).not.toBe(key);
    expect(launchKey('d'.repeat(64), plan, { A: '1' })).not.toBe(key);
  });
});
