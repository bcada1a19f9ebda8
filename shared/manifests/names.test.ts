import { describe, expect, it } from 'vitest';
import { isDnsLabel } from '../naming.ts';
import { appName, argoProjectName, gitopsPath, liveHost, userPathSegment } from './names.ts';

describe('appName', () => {
  it('names the app after project, workspace and environment', () => {
    expect(
      appName({ workspaceId: 'w0abc123def45', projectName: 'storefront', environment: 'production' }),
    ).toBe('storefront-w0abc123def45-production');
  });

  it('stays a DNS label of at most 63 characters, the same every time', () => {
    const input = {
      workspaceId: 'w0abc123def45',
      projectName: 'p'.repeat(40),
      environment: 'staging' as const,
    };
    const name = appName(input);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(name)).toBe(true);
    expect(appName(input)).toBe(name);
    expect(appName({ ...input, environment: 'production' })).not.toBe(name);
    expect(appName({ ...input, workspaceId: 'w0abc123def46' })).not.toBe(name);
  });
});

describe('argoProjectName', () => {
  it('is one DNS label per workspace', () => {
    expect(argoProjectName('w0abc123def45')).toBe('wharf-w0abc123def45');
  });
});

describe('userPathSegment', () => {
  it('keeps ids that are already safe', () => {
    expect(userPathSegment('alice')).toBe('alice');
    expect(userPathSegment('3f2a-91bc')).toBe('3f2a-91bc');
  });

  it('slugs and hashes ids with characters a path must not hold', () => {
    for (const id of ['github|4242', 'auth0|abc:def', 'alice@example.com', 'Alice', '../etc', 'a/b']) {
      const segment = userPathSegment(id);
      expect(segment).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?-[0-9a-f]{8}$/);
      expect(segment).toBe(userPathSegment(id));
    }
    expect(userPathSegment('github|4242').startsWith('github-4242-')).toBe(true);
  });

  it('never maps two different ids to the same segment', () => {
    const ids = [
      'Alice',
      'alice',
      'ALICE',
      'a|b',
      'a:b',
      'a@b',
      'a-b',
      'x-0123abcd',
      'x|0123abcd',
      '|||',
      '@@@',
    ];
    const segments = ids.map(userPathSegment);
    expect(new Set(segments).size).toBe(ids.length);
  });

  it('keeps long ids within 63 characters', () => {
    const segment = userPathSegment(`oidc|${'x'.repeat(120)}`);
    expect(segment.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(segment)).toBe(true);
  });
});

describe('gitopsPath', () => {
  it('places a project under workspace, user, project and environment', () => {
    expect(
      gitopsPath({
        workspaceId: 'w0abc123def45',
        userId: 'github|4242',
        projectName: 'storefront',
        environment: 'staging',
      }),
    ).toBe(`apps/w0abc123def45/${userPathSegment('github|4242')}/storefront/staging`);
  });

  it('refuses names that would escape their folder', () => {
    expect(() =>
      gitopsPath({ workspaceId: '..', userId: 'alice', projectName: 'x', environment: 'production' }),
    ).toThrow(/folder name/);
    expect(() =>
      gitopsPath({ workspaceId: 'w1', userId: 'alice', projectName: 'a/b', environment: 'production' }),
    ).toThrow(/folder name/);
  });
});

describe('liveHost', () => {
  const workspace = { id: 'w0abc123def45', name: 'payments' };
  const platformDomain = 'apps.example.com';

  it('uses the custom domain in production', () => {
    expect(liveHost({ project: { name: 'web', domain: 'shop.acme.io' }, workspace, platformDomain })).toBe(
      'shop.acme.io',
    );
  });

  it('derives a host from project and workspace otherwise', () => {
    expect(liveHost({ project: { name: 'web' }, workspace, platformDomain })).toBe(
      'web-payments-w0abc123def45.apps.example.com',
    );
  });

  it('gives staging its own host, even with a custom domain', () => {
    const staging = liveHost({
      project: { name: 'web', domain: 'shop.acme.io' },
      workspace,
      environment: 'staging',
      platformDomain,
    });
    expect(staging).toBe('web-payments-staging-w0abc123def45.apps.example.com');
  });

  it('never gives two tenants with the same workspace name the same host', () => {
    const a = liveHost({ project: { name: 'web' }, workspace, platformDomain });
    const b = liveHost({
      project: { name: 'web' },
      workspace: { ...workspace, id: 'w0zzz999yyy88' },
      platformDomain,
    });
    expect(a).not.toBe(b);
  });

  it('keeps every label within 63 characters', () => {
    const host = liveHost({
      project: { name: 'p'.repeat(40) },
      workspace: { id: 'w0abc123def45', name: 'n'.repeat(30) },
      environment: 'staging',
      platformDomain,
    });
    for (const label of host.split('.')) expect(isDnsLabel(label)).toBe(true);
  });

  it('refuses a platform domain that is not a hostname', () => {
    expect(() => liveHost({ project: { name: 'web' }, workspace, platformDomain: 'bad domain' })).toThrow(
      /platform domain/,
    );
  });
});
