import { stringify } from 'yaml';

/**
 * YAML as Kubernetes and Argo CD read it. Their parser (sigs.k8s.io/yaml) follows YAML 1.1, where
 * `yes`, `on`, `no`, `0755` or `1:20` are not strings; emitting with the 1.1 schema quotes every such
 * string, so an env value "on" stays "on". No line folding, so long values stay on one line.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** Several objects as one multi-document YAML file. */
export function toYamlDocuments(values: readonly unknown[], header?: string): string {
  const body = values.map((v) => `---\n${toYaml(v)}`).join('');
  return header ? `${header}${body}` : body;
}

/** JSON with a trailing newline, as people and git diff expect. Key order is the object's own. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
