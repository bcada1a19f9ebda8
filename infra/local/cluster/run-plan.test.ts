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
