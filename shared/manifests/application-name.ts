import { parse } from 'yaml';
import { invalid } from '../errors.ts';
import { DNS_LABEL_MAX, DNS_LABEL_RULE, isDnsLabel } from '../naming.ts';
import { APPLICATION_SET_FILE, renderBootstrap } from './render-bootstrap.ts';

/**
 * The ApplicationSet's `template.metadata.name`, read from what `renderBootstrap` writes, so the
 * name Wharf expects and the name Argo CD generates come from the same template. Read once.
 */
let nameTemplate: string | undefined;
function applicationSetNameTemplate(): string {
  if (nameTemplate !== undefined) return nameTemplate;
  const file = renderBootstrap({
    repoUrl: 'https://gitops.invalid/wharf.git',
    revision: 'main',
    argoNamespace: 'argocd',
    workspaces: [],
  }).find((f) => f.path === APPLICATION_SET_FILE);
  const set = parse(file?.content ?? '', { version: '1.1' }) as {
    spec?: { goTemplate?: boolean; template?: { metadata?: { name?: unknown } } };
  } | null;
  const name = set?.spec?.template?.metadata?.name;
  // Only Go templates are evaluated here; a change to fasttemplate must change this function too.
  if (set?.spec?.goTemplate !== true || typeof name !== 'string') {
    throw new Error(`${APPLICATION_SET_FILE} has no Go-templated metadata.name to derive app names from.`);
  }
  nameTemplate = name;
  return name;
}

/** `{{.a.b}}`, with optional spaces and trim markers: the only action the name template may use. */
const ACTION = /\{\{-?\s*([^{}]*?)\s*-?\}\}/g;
const FIELD_CHAIN = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The Argo CD Application name for a release.json, by the ApplicationSet's own rule: its Go template
 * (`missingkey=error`) applied to the file's keys, as the git files generator offers them. The name
 * must be a DNS-1123 label: Wharf also uses it as the `app.kubernetes.io/instance` label value.
 */
export function applicationNameFromRelease(releaseJson: string): string {
  let params: unknown;
  try {
    params = JSON.parse(releaseJson);
  } catch (error) {
    throw invalid('gitops.invalid_release', `release.json is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(params)) throw invalid('gitops.invalid_release', 'release.json is not a JSON object.');

  const template = applicationSetNameTemplate();
  const name = template.replace(ACTION, (action, expression: string) => {
    if (!FIELD_CHAIN.test(expression)) {
      throw new Error(`The ApplicationSet name template uses "${action}", which Wharf does not evaluate.`);
    }
    let value: unknown = params;
    for (const key of expression.split('.').slice(1)) {
      if (!isRecord(value) || !Object.hasOwn(value, key)) {
        throw invalid(
          'gitops.invalid_release',
          `release.json has no "${expression.slice(1)}", which the ApplicationSet names the app from.`,
        );
      }
      value = value[key];
    }
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw invalid('gitops.invalid_release', `release.json "${expression.slice(1)}" is not a string.`);
    }
    return String(value);
  });
  if (!isDnsLabel(name)) {
    throw invalid(
      'gitops.invalid_release',
      `The Application name "${name}" from release.json is not a DNS-1123 label of at most ${DNS_LABEL_MAX} characters: it ${DNS_LABEL_RULE}.`,
    );
  }
  return name;
}
