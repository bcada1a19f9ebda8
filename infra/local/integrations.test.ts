import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeIntegrations, integrationSettings, readIntegrationsFile } from './integrations.ts';

const dir = mkdtempSync(join(tmpdir(), 'wharf-integrations-'));
const write = (name: string, content: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

describe('local integrations', () => {
  it('is empty without a file: every port keeps its local adapter', () => {
    expect(readIntegrationsFile(join(dir, 'absent.json'))).toBeUndefined();
    expect(integrationSettings(undefined, {}, dir)).toEqual({});
  });

  it('maps config.json to the handler settings the AWS functions use', () => {
    const key = write('app.pem', '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    const file = readIntegrationsFile(
      write('all.json', {
        jenkins: { url: 'https://ci.example.com', user: 'wharf', job: 'platform/build', apiToken: 't0k' },
        github: {
          repository: 'acme/gitops',
          app: { appId: 12, installationId: '34', privateKeyFile: key },
        },
        argocd: { url: 'https://argocd.example.com', token: 'argo-t0k', refresh: 'hard' },
      }),
    );
    const settings = integrationSettings(file, {}, dir);
    expect(settings).toMatchObject({
      WHARF_BUILD_SERVICE: 'jenkins',
      WHARF_JENKINS_URL: 'https://ci.example.com',
      WHARF_JENKINS_JOB: 'platform/build',
      WHARF_JENKINS_TOKEN: 't0k',
      WHARF_GITOPS: 'github',
      WHARF_GITHUB_REPOSITORY: 'acme/gitops',
      WHARF_GITHUB_BRANCH: 'main',
      WHARF_GITHUB_APP_ID: '12',
      WHARF_GITHUB_INSTALLATION_ID: '34',
      WHARF_SYNC: 'argocd',
      WHARF_ARGOCD_REFRESH: 'hard',
    });
    expect(settings.WHARF_GITHUB_CREDENTIALS).toContain('BEGIN PRIVATE KEY');
    const banner = describeIntegrations(settings).join('\n');
    expect(banner).toContain('Jenkins https://ci.example.com');
    expect(banner).not.toMatch(/t0k|PRIVATE KEY/);
  });

  it('lets environment variables win, and switches a port on from the environment alone', () => {
    const settings = integrationSettings(
      { jenkins: { url: 'https://a.example.com', user: 'u', job: 'j', apiToken: 't' } },
      { WHARF_JENKINS_URL: 'https://b.example.com' },
      dir,
    );
    expect(settings.WHARF_JENKINS_URL).toBeUndefined();
    expect(settings.WHARF_BUILD_SERVICE).toBe('jenkins');
  });

  it('names the broken field and refuses GitHub without Argo CD', () => {
    expect(() => readIntegrationsFile(write('bad.json', { jenkins: { url: 'ftp://x', user: 'u' } }))).toThrow(
      /jenkins\.url must be an http\(s\) URL/,
    );
    expect(() => readIntegrationsFile(write('both.json', { github: { repository: 'a/b' } }))).toThrow(
      /github\.token needs exactly one of "token" or "app"/,
    );
    expect(() => readIntegrationsFile(write('broken.json', '{'))).toThrow(/not valid JSON/);
    expect(() =>
      integrationSettings({ github: { repository: 'a/b', branch: 'main', token: 't' } }, {}, dir),
    ).toThrow(/needs an Argo CD/);
  });
});
