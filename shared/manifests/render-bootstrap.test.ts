import { describe, expect, it } from 'vitest';
import type { Project } from '../domain.ts';
import { workspaceNamespace } from '../naming.ts';
import {
  APPLICATION_SET_FILE,
  appName,
  argoProjectName,
  type BootstrapInput,
  RELEASE_GLOB,
  RENDERED_KINDS,
  ROOT_APP_FILE,
  renderBootstrap,
  renderRelease,
  workspaceBootstrapFile,
} from './index.ts';
import {
  database,
  microservices,
  monolith,
  parseManifests,
  releaseInput,
  validateObject,
  workspace,
} from './testing/fixtures.ts';

const input: BootstrapInput = {
  repoUrl: 'https://github.com/acme/wharf-gitops.git',
  revision: 'main',
  argoNamespace: 'argocd',
  workspaces: [
    { id: 'w0zzz999yyy88', name: 'marketing', environments: ['production'] },
    { ...workspace, environments: ['staging', 'production'] },
  ],
};

const objectsIn = (path: string) => {
  const file = renderBootstrap(input).find((f) => f.path === path);
  if (!file) throw new Error(`no ${path}`);
  return parseManifests(file.content);
};
const applicationSet = () => objectsIn(APPLICATION_SET_FILE)[0];

/**
 * What the ApplicationSet controller does with one release.json: the files generator (goTemplate)
 * offers the file's keys plus its own `path` object, and each `{{.a.b}}` in the template's strings is
 * replaced; with missingkey=error an unknown key fails the whole Application.
 */
function generateApplication(template: unknown, releaseJsonPath: string, releaseJson: string): any {
  const dir = releaseJsonPath.slice(0, releaseJsonPath.lastIndexOf('/'));
  const params: Record<string, unknown> = {
    ...JSON.parse(releaseJson),
    path: {
      path: dir,
      basename: dir.slice(dir.lastIndexOf('/') + 1),
      filename: releaseJsonPath.slice(releaseJsonPath.lastIndexOf('/') + 1),
      segments: dir.split('/'),
    },
  };
  const lookup = (expr: string) => {
    let value: unknown = params;
    for (const key of expr.split('.').filter(Boolean)) {
      if (value === null || typeof value !== 'object' || !(key in value))
        throw new Error(`map has no entry for key "${key}"`);
      value = (value as Record<string, unknown>)[key];
    }
    return String(value);
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string')
      return node.replace(/\{\{\s*(\.[A-Za-z0-9_.]*)\s*\}\}/g, (_, expr) => lookup(expr));
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  const app = walk(template) as any;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    ...app,
    metadata: { namespace: 'argocd', ...app.metadata },
  };
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]+')}$`);

describe('renderBootstrap', () => {
  it('writes the root app, the ApplicationSet and one file per workspace, under bootstrap/', () => {
    expect(renderBootstrap(input).map((f) => f.path)).toEqual([
      ROOT_APP_FILE,
      APPLICATION_SET_FILE,
      workspaceBootstrapFile('w0abc123def45'),
      workspaceBootstrapFile('w0zzz999yyy88'),
    ]);
  });

  it('renders only objects the Argo CD and Kubernetes models accept', () => {
    for (const file of renderBootstrap(input)) {
      for (const object of parseManifests(file.content))
        expect(() => validateObject(object), object.kind).not.toThrow();
    }
  });

  it('is deterministic whatever the order of workspaces', () => {
    const reversed = { ...input, workspaces: [...input.workspaces].reverse() };
    expect(renderBootstrap(reversed)).toEqual(renderBootstrap(input));
  });

  it('points the app-of-apps at bootstrap/ with automated sync', () => {
    const [root] = objectsIn(ROOT_APP_FILE);
    expect(root.kind).toBe('Application');
    expect(root.metadata).toMatchObject({ name: 'wharf-bootstrap', namespace: 'argocd' });
    expect(root.spec.source).toEqual({
      repoURL: input.repoUrl,
      targetRevision: 'main',
      path: 'bootstrap',
      directory: { recurse: true },
    });
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(root.metadata.finalizers).toBeUndefined();
  });

  it('generates one Application per release.json with a go-templated files generator', () => {
    const set = applicationSet();
    expect(set.spec.goTemplate).toBe(true);
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
    expect(set.spec.generators).toEqual([
      { git: { repoURL: input.repoUrl, revision: 'main', files: [{ path: 'apps/*/*/*/*/release.json' }] } },
    ]);
    const { metadata, spec } = set.spec.template;
    expect(metadata.name).toBe('{{.appName}}');
    expect(spec.project).toBe('{{.project}}');
    expect(spec.destination.namespace).toBe('{{.namespace}}');
    expect(spec.source.path).toBe('{{.path.path}}');
    expect(spec.source.directory).toEqual({ include: 'manifests.yaml' });
    expect(spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
  });

  it.each([
    ['monolith', monolith],
    ['database', database],
    ['microservices', microservices],
  ] as const)(
    'names the %s Application exactly as appName() does, in a namespace its AppProject allows',
    (_t, project) => {
      for (const environment of ['production', 'staging'] as const) {
        const rendered = renderRelease({ ...releaseInput(project as Project), environment });
        const releaseJson = rendered.files[0];
        if (!releaseJson) throw new Error('no release.json');
        expect(releaseJson.path).toMatch(globToRegExp(RELEASE_GLOB));

        const app = generateApplication(
          applicationSet().spec.template,
          releaseJson.path,
          releaseJson.content,
        );
        validateObject(app);
        expect(app.metadata.name).toBe(
          appName({ workspaceId: workspace.id, projectName: project.name, environment }),
        );
        expect(app.metadata.name).toBe(rendered.appName);
        expect(app.spec.source.path).toBe(rendered.path);
        expect(app.spec.destination.namespace).toBe(workspaceNamespace(workspace, environment));
        expect(app.spec.project).toBe(argoProjectName(workspace.id));

        const [appProject] = objectsIn(workspaceBootstrapFile(workspace.id)).filter(
          (o) => o.kind === 'AppProject',
        );
        expect(appProject.metadata.name).toBe(app.spec.project);
        expect(appProject.spec.destinations).toContainEqual({
          server: app.spec.destination.server,
          namespace: app.spec.destination.namespace,
        });
        // The rollback path rewrites release.json with extra keys; the template must still render.
        const extra = JSON.stringify({ ...JSON.parse(releaseJson.content), rollbackOf: 'r0' });
        expect(
          generateApplication(applicationSet().spec.template, releaseJson.path, extra).metadata.name,
        ).toBe(rendered.appName);
      }
    },
  );

  it('confines each workspace to its own namespaces and to the kinds Wharf renders', () => {
    const objects = objectsIn(workspaceBootstrapFile(workspace.id));
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(namespaces).toEqual([
      workspaceNamespace(workspace, 'production'),
      workspaceNamespace(workspace, 'staging'),
    ]);
    const project = objects.find((o) => o.kind === 'AppProject');
    expect(project.metadata).toMatchObject({ name: 'wharf-w0abc123def45', namespace: 'argocd' });
    expect(project.spec.sourceRepos).toEqual([input.repoUrl]);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual(namespaces);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceWhitelist).toEqual(RENDERED_KINDS.map((k) => ({ ...k })));
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(ns.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false');
    }
    const other = objectsIn(workspaceBootstrapFile('w0zzz999yyy88')).find((o) => o.kind === 'AppProject');
    expect(other.spec.destinations.map((d: any) => d.namespace)).toEqual(['marketing-w0zzz999yyy88']);
  });

  it('refuses a workspace listed twice', () => {
    expect(() =>
      renderBootstrap({ ...input, workspaces: [...input.workspaces, input.workspaces[0] as any] }),
    ).toThrow(/twice/);
  });
});
