import { describe, expect, it } from 'vitest';
import type { Project } from '../domain.ts';
import { isDnsLabel } from '../naming.ts';
import { applicationNameFromRelease } from './application-name.ts';
import { APPLICATION_SET_FILE, appName, RELEASE_FILE, renderBootstrap, renderRelease } from './index.ts';
import {
  database,
  microservices,
  monolith,
  parseManifests,
  releaseInput,
  workspace,
} from './testing/fixtures.ts';

/** The ApplicationSet exactly as bootstrap/ holds it. */
function applicationSet(): any {
  const file = renderBootstrap({
    repoUrl: 'https://github.com/acme/wharf-gitops.git',
    revision: 'main',
    argoNamespace: 'argocd',
    workspaces: [{ ...workspace, environments: ['production', 'staging'] }],
  }).find((f) => f.path === APPLICATION_SET_FILE);
  if (!file) throw new Error(`no ${APPLICATION_SET_FILE}`);
  return parseManifests(file.content)[0];
}

/** Plain text substitution of `{{.key}}`: an independent reading of the same template. */
const substitute = (template: string, params: Record<string, unknown>) =>
  template.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => String(params[key]));

const releaseJsonOf = (project: Project, environment: 'production' | 'staging') => {
  const rendered = renderRelease({ ...releaseInput(project), environment });
  const file = rendered.files.find((f) => f.path.endsWith(`/${RELEASE_FILE}`));
  if (!file) throw new Error('no release.json');
  return { rendered, content: file.content };
};

describe('applicationNameFromRelease', () => {
  it.each([
    ['monolith', monolith],
    ['database', database],
    ['microservices', microservices],
  ] as const)(
    'gives the %s app the name the ApplicationSet generates, appName() and release.json',
    (_type, project) => {
      const set = applicationSet();
      expect(set.spec.goTemplate).toBe(true);
      for (const environment of ['production', 'staging'] as const) {
        const { rendered, content } = releaseJsonOf(project as Project, environment);
        const name = applicationNameFromRelease(content);
        expect(name).toBe(substitute(set.spec.template.metadata.name, JSON.parse(content)));
        expect(name).toBe(appName({ workspaceId: workspace.id, projectName: project.name, environment }));
        expect(name).toBe(rendered.appName);
        expect(name).toBe(JSON.parse(content).appName);
        expect(isDnsLabel(name)).toBe(true);
      }
    },
  );

  it('keeps a shortened name (hash suffix) for a long project name', () => {
    const long = { ...monolith, name: `storefront-${'x'.repeat(50)}` };
    const { rendered, content } = releaseJsonOf(long, 'staging');
    const name = applicationNameFromRelease(content);
    expect(name).toBe(rendered.appName);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('still names a rolled-back release.json (extra keys) the same', () => {
    const { rendered, content } = releaseJsonOf(monolith, 'production');
    const rollback = JSON.stringify({ ...JSON.parse(content), releaseId: 'r9', rollbackOf: 'r1' });
    expect(applicationNameFromRelease(rollback)).toBe(rendered.appName);
  });

  it.each([
    ['not JSON', '{"appName": ', /not valid JSON/],
    ['not an object', '["storefront"]', /not a JSON object/],
    ['without appName (missingkey=error)', '{"namespace": "payments"}', /has no "appName"/],
    ['with a non-string appName', '{"appName": {"name": "x"}}', /"appName" is not a string/],
    ['with uppercase', '{"appName": "Storefront"}', /not a DNS-1123 label/],
    ['with a dot', '{"appName": "store.front"}', /not a DNS-1123 label/],
    ['too long', JSON.stringify({ appName: 'a'.repeat(64) }), /at most 63/],
    ['empty', '{"appName": ""}', /not a DNS-1123 label/],
  ])('rejects a release.json %s', (_case, json, message) => {
    expect(() => applicationNameFromRelease(json)).toThrow(message);
    try {
      applicationNameFromRelease(json);
    } catch (error) {
      expect(error).toMatchObject({ name: 'DomainError', kind: 'invalid', code: 'gitops.invalid_release' });
    }
  });
});
