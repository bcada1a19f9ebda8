import { describe, expect, it } from 'vitest';
import { checkManifests } from './manifest-check.ts';

const deployment = (spec: string) => `---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: team-a }
spec:
${spec}`;

const validSpec = `  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: app, image: "registry/web@sha256:${'a'.repeat(64)}" }]
`;

describe('checkManifests', () => {
  it('accepts valid objects, skipping empty documents and leading comments', () => {
    const result = checkManifests(
      `# header\n${deployment(validSpec)}---\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [{ port: 80 }] }\n`,
      'team-a',
    );
    expect(result).toMatchObject({ ok: true, objects: [{ kind: 'Deployment' }, { kind: 'Service' }] });
  });

  it('reports the schema violation by field path', () => {
    const result = checkManifests(deployment(validSpec.replace('replicas: 1', 'replicas: two')));
    expect(result).toEqual({
      ok: false,
      message: 'manifests.yaml document 1 (Deployment "web"): spec.replicas must be integer',
    });
  });

  it('reports missing required fields and nested array paths', () => {
    const missing = checkManifests(deployment('  replicas: 1\n'));
    expect(missing.ok || missing.message).toContain(
      'spec must have required property selector; spec must have required property template',
    );
    const nested = checkManifests(deployment(validSpec.replace('name: app,', 'name: 7,')));
    expect(nested.ok || nested.message).toContain('spec.template.spec.containers[0].name must be string');
  });

  it('reads YAML 1.1 as Kubernetes does: an unquoted `on` is a boolean, not a string', () => {
    const result = checkManifests(
      deployment(validSpec.replace('image:', 'env: [{ name: FLAG, value: on }], image:')),
    );
    expect(result.ok || result.message).toContain('env[0].value must be string');
  });

  it('rejects broken YAML, non-objects, missing identity, duplicates and foreign namespaces', () => {
    expect(checkManifests('a: [1\n')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not valid YAML'),
    });
    expect(checkManifests('- 1\n- 2\n')).toMatchObject({
      message: expect.stringContaining('not a Kubernetes object'),
    });
    expect(checkManifests('kind: Service\nmetadata: { name: a }\n')).toMatchObject({
      message: 'manifests.yaml document 1: apiVersion is required',
    });
    expect(checkManifests('apiVersion: v1\nkind: Service\nmetadata: {}\n')).toMatchObject({
      message: 'manifests.yaml document 1 (Service): metadata.name is required',
    });
    expect(checkManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: Bad_Name }\n')).toMatchObject({
      message: expect.stringContaining('lowercase DNS name'),
    });
    const twice = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n';
    expect(checkManifests(`${twice}---\n${twice}`)).toMatchObject({
      message: 'manifests.yaml document 2: ConfigMap "a" appears more than once',
    });
    expect(checkManifests(deployment(validSpec), 'team-b')).toMatchObject({
      message:
        'manifests.yaml document 1 (Deployment "web") is in namespace "team-a"; this app deploys to "team-b"',
    });
  });

  it('checks the shape of an ExternalSecret, which has no schema model', () => {
    const externalSecret = (data: string) =>
      `apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: { name: env }\nspec:\n  target: { name: env }\n  data: ${data}\n`;
    expect(checkManifests(externalSecret('[{ secretKey: TOKEN, remoteRef: { key: ws/p/TOKEN } }]')).ok).toBe(
      true,
    );
    expect(checkManifests(externalSecret('[{ secretKey: TOKEN }]'))).toMatchObject({
      message:
        'manifests.yaml document 1 (ExternalSecret "env"): spec.data[0].remoteRef.key must be a non-empty string',
    });
  });

  it('accepts custom resources without a model after the basic shape check', () => {
    const result = checkManifests(
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: { size: big }\n',
    );
    expect(result).toMatchObject({ ok: true, objects: [{ kind: 'Widget' }] });
  });
});
