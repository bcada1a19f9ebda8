import type { ProjectView } from '@shared/api.ts';
import type { Mode } from '@shared/schemas/common.ts';
import { type DatabaseEngine, type ProjectType, projectSchemas } from '@shared/schemas/project.ts';
import {
  type EnvRow,
  envRowErrors,
  envRowsFromView,
  envRowsToInput,
} from '../../components/env-var-editor.tsx';
import { type FieldErrors, validate } from '../../components/form/field-errors.ts';

/**
 * The project form's state (strings, as inputs hold them) and its conversion to the API's bodies.
 * Validation uses the API's own schemas (`projectSchemas(mode)`), so the browser and the API agree on
 * every rule and message.
 */
export interface ServiceRow {
  key: string;
  name: string;
  path: string;
  port: string;
  entry: boolean;
}

export interface ProjectFormState {
  type: ProjectType;
  name: string;
  repositoryUrl: string;
  branch: string;
  port: string;
  domain: string;
  autoDeploy: boolean;
  replicas: string;
  healthCheckPath: string;
  engine: DatabaseEngine;
  version: string;
  storage: string;
  services: ServiceRow[];
  env: EnvRow[];
}

/** A sensible version to start from per engine; the user may type any the schema accepts. */
export const ENGINE_DEFAULT_VERSIONS: Record<DatabaseEngine, string> = {
  postgres: '16',
  mysql: '8.0',
  redis: '7',
  mongodb: '7.0',
};

let nextKey = 0;
export const newServiceRow = (entry = false): ServiceRow => ({
  key: `service-${++nextKey}`,
  name: '',
  path: '',
  port: '8080',
  entry,
});

export function emptyProjectForm(type: ProjectType = 'monolith'): ProjectFormState {
  return {
    type,
    name: '',
    repositoryUrl: '',
    branch: 'main',
    port: '',
    domain: '',
    autoDeploy: false,
    replicas: '1',
    healthCheckPath: '/',
    engine: 'postgres',
    version: ENGINE_DEFAULT_VERSIONS.postgres,
    storage: '10Gi',
    services: [newServiceRow(true)],
    env: [],
  };
}

export function projectFormFromProject(project: ProjectView): ProjectFormState {
  const form = { ...emptyProjectForm(project.type), name: project.name, env: envRowsFromView(project.env) };
  switch (project.type) {
    case 'monolith':
      return {
        ...form,
        repositoryUrl: project.repository.url,
        branch: project.repository.branch,
        port: String(project.port),
        domain: project.domain ?? '',
        autoDeploy: project.autoDeploy,
        replicas: String(project.replicas),
        healthCheckPath: project.healthCheckPath,
      };
    case 'database':
      return { ...form, engine: project.engine, version: project.version, storage: project.storage };
    case 'microservices':
      return {
        ...form,
        repositoryUrl: project.repository.url,
        branch: project.repository.branch,
        domain: project.domain ?? '',
        autoDeploy: project.autoDeploy,
        services: project.services.map((s) => ({ ...newServiceRow(s.entry), ...s, port: String(s.port) })),
      };
  }
}

/** Empty stays "missing" (the schema says "is required"); anything else goes to the schema as a number. */
const toNumber = (value: string) => (value.trim() === '' ? undefined : Number(value.trim()));
const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** The fields of the chosen type, as the API takes them. */
function bodyFields(state: ProjectFormState): Record<string, unknown> {
  const env = envRowsToInput(state.env);
  const repository = { url: state.repositoryUrl.trim(), branch: state.branch.trim() };
  const domain = optional(state.domain);
  switch (state.type) {
    case 'monolith':
      return {
        repository,
        port: toNumber(state.port),
        ...(domain ? { domain } : {}),
        autoDeploy: state.autoDeploy,
        replicas: toNumber(state.replicas),
        healthCheckPath: state.healthCheckPath.trim(),
        env,
      };
    case 'database':
      return { engine: state.engine, version: state.version.trim(), storage: state.storage.trim(), env };
    case 'microservices':
      return {
        repository,
        services: state.services.map((s) => ({
          name: s.name.trim(),
          path: s.path.trim(),
          port: toNumber(s.port),
          entry: s.entry,
        })),
        ...(domain ? { domain } : {}),
        autoDeploy: state.autoDeploy,
        env,
      };
  }
}

export function createBody(state: ProjectFormState): Record<string, unknown> {
  return { name: state.name.trim(), type: state.type, ...bodyFields(state) };
}

/** Fields a PATCH may change, per type (name and type are fixed; a database keeps its engine). */
const UPDATABLE: Record<ProjectType, readonly string[]> = {
  monolith: ['repository', 'port', 'domain', 'autoDeploy', 'replicas', 'healthCheckPath', 'env'],
  database: ['version', 'storage', 'env'],
  microservices: ['repository', 'services', 'domain', 'autoDeploy', 'env'],
};

/** Only what changed, so a save never overwrites fields someone else changed meanwhile. */
export function updateBody(state: ProjectFormState, initial: ProjectFormState): Record<string, unknown> {
  const next = bodyFields(state);
  const before = bodyFields(initial);
  const changes: Record<string, unknown> = {};
  for (const field of UPDATABLE[state.type]) {
    if (JSON.stringify(next[field]) !== JSON.stringify(before[field])) changes[field] = next[field];
  }
  // An emptied custom domain is removed: the API keeps a domain that is left out, and clears `null`.
  if ('domain' in before && !('domain' in next)) changes.domain = null;
  return changes;
}

const schemasByMode = new Map<Mode, ReturnType<typeof projectSchemas>>();
const schemas = (mode: Mode) => {
  let found = schemasByMode.get(mode);
  if (!found) {
    found = projectSchemas(mode);
    schemasByMode.set(mode, found);
  }
  return found;
};

export function validateCreate(mode: Mode, state: ProjectFormState) {
  const checked = validate(schemas(mode).create, createBody(state));
  return withEditorErrors(state, checked);
}

export function validateUpdate(mode: Mode, state: ProjectFormState, initial: ProjectFormState) {
  const checked = validate(schemas(mode).update[state.type], updateBody(state, initial));
  return withEditorErrors(state, checked);
}

/** Adds what only the editors know (duplicate names while typing, renamed kept secrets). */
function withEditorErrors<T>(
  state: ProjectFormState,
  checked: { data: T; errors?: undefined } | { data?: undefined; errors: FieldErrors },
): { data: T; errors?: undefined } | { data?: undefined; errors: FieldErrors } {
  const editorErrors = envRowErrors(state.env);
  if (Object.keys(editorErrors).length === 0) return checked;
  return { errors: { ...editorErrors, ...(checked.errors ?? {}) } };
}

/** Field paths a control of the form shows; any other error goes to the summary above the buttons. */
const SHOWN =
  /^(name|repository\.(url|branch)|port|domain|autoDeploy|replicas|healthCheckPath|engine|version|storage|env|services|env\.\d+\.(name|value)|services\.\d+\.(name|path|port))$/;

export const unshownErrors = (errors: FieldErrors) =>
  Object.entries(errors)
    .filter(([path]) => !SHOWN.test(path))
    .map(([path, rule]) => `${path === 'body' ? 'The request' : path} ${rule}`);
