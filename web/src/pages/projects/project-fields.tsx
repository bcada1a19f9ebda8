import {
  DATABASE_ENGINES,
  type DatabaseEngine,
  PROJECT_NAME_MAX,
  PROJECT_TYPES,
  type ProjectType,
} from '@shared/schemas/project.ts';
import { useConfig } from '../../api/context.tsx';
import { EnvVarEditor } from '../../components/env-var-editor.tsx';
import type { FieldErrors } from '../../components/form/field-errors.ts';
import { SelectField, TextField } from '../../components/form/fields.tsx';
import { AutoDeployField } from './auto-deploy-field.tsx';
import { ENGINE_DEFAULT_VERSIONS, type ProjectFormState } from './project-form-model.ts';
import { ServicesEditor } from './services-editor.tsx';

const TYPES: Record<ProjectType, { label: string; description: string }> = {
  monolith: {
    label: 'Monolith',
    description: 'A web app from one repository, built into one image and served at a URL.',
  },
  database: {
    label: 'Database',
    description: 'PostgreSQL, MySQL, Redis or MongoDB with persistent storage.',
  },
  microservices: {
    label: 'Microservices',
    description: 'Spring services from one repository; the entry service gets the URL.',
  },
};

const ENGINE_LABELS: Record<DatabaseEngine, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  redis: 'Redis',
  mongodb: 'MongoDB',
};

type Change = (patch: Partial<ProjectFormState>) => void;

/**
 * The fields of one project type. On create the type and name are chosen here; on edit they are fixed
 * (the page shows them), and so is a database's engine.
 */
export function ProjectFields({
  state,
  onChange,
  errors,
  editing = false,
}: {
  state: ProjectFormState;
  onChange: Change;
  errors: FieldErrors;
  editing?: boolean;
}) {
  return (
    <div className="stack">
      {!editing && (
        <section className="card stack" aria-labelledby="section-basics">
          <h2 id="section-basics">What are you deploying?</h2>
          <TypeChoice value={state.type} onChange={(type) => onChange({ type })} />
          <TextField
            path="name"
            label="Project name"
            value={state.name}
            onChange={(name) => onChange({ name })}
            error={errors.name}
            hint={`Lowercase letters, digits and "-", starting with a letter, up to ${PROJECT_NAME_MAX} characters. It becomes part of the app's address and cannot change later.`}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
          />
        </section>
      )}
      {state.type === 'database' ? (
        <DatabaseFields state={state} onChange={onChange} errors={errors} editing={editing} />
      ) : (
        <>
          <RepositoryFields state={state} onChange={onChange} errors={errors} />
          {state.type === 'monolith' ? (
            <MonolithRuntimeFields state={state} onChange={onChange} errors={errors} />
          ) : (
            <section className="card stack" aria-labelledby="section-services">
              <h2 id="section-services">Services</h2>
              <ServicesEditor
                rows={state.services}
                onChange={(services) => onChange({ services })}
                errors={errors}
              />
            </section>
          )}
          <section className="card stack" aria-labelledby="section-delivery">
            <h2 id="section-delivery">Address and deploys</h2>
            <TextField
              path="domain"
              label="Custom domain (optional)"
              value={state.domain}
              onChange={(domain) => onChange({ domain })}
              error={errors.domain}
              hint="Served next to the platform address, which keeps working. The project page then shows the DNS record to create."
              placeholder="shop.example.com"
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="none"
            />
            <AutoDeployField
              checked={state.autoDeploy}
              onChange={(autoDeploy) => onChange({ autoDeploy })}
              branch={state.branch}
              error={errors.autoDeploy}
            />
          </section>
        </>
      )}
      <section className="card" aria-label="Environment variables">
        <EnvVarEditor rows={state.env} onChange={(env) => onChange({ env })} errors={errors} />
      </section>
    </div>
  );
}

function TypeChoice({ value, onChange }: { value: ProjectType; onChange: (type: ProjectType) => void }) {
  return (
    <fieldset className="fieldset">
      <legend>Project type</legend>
      <div className="type-choice">
        {PROJECT_TYPES.map((type) => (
          <label key={type} className="type-option">
            <input
              type="radio"
              name="project-type"
              value={type}
              checked={value === type}
              onChange={() => onChange(type)}
              aria-describedby={`type-${type}-description`}
            />
            <span className="stack-sm">
              <strong>{TYPES[type].label}</strong>
              <span id={`type-${type}-description`} className="small muted">
                {TYPES[type].description}
              </span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function RepositoryFields({
  state,
  onChange,
  errors,
}: {
  state: ProjectFormState;
  onChange: Change;
  errors: FieldErrors;
}) {
  const config = useConfig();
  return (
    <section className="card stack" aria-labelledby="section-source">
      <h2 id="section-source">Source</h2>
      <div className="grid-2">
        <TextField
          path="repository.url"
          label="Repository URL"
          type="url"
          value={state.repositoryUrl}
          onChange={(repositoryUrl) => onChange({ repositoryUrl })}
          error={errors['repository.url']}
          hint={
            config.mode === 'local'
              ? 'An https URL, or on this local platform an http://localhost URL (such as a sample’s).'
              : 'A public https URL such as https://github.com/acme/shop.git. Private repositories are read with Wharf’s own credentials.'
          }
          placeholder="https://github.com/acme/shop.git"
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          path="repository.branch"
          label="Branch"
          value={state.branch}
          onChange={(branch) => onChange({ branch })}
          error={errors['repository.branch']}
          hint="The branch Wharf builds and, with auto-deploy, watches."
          autoComplete="off"
          spellCheck={false}
        />
      </div>
    </section>
  );
}

function MonolithRuntimeFields({
  state,
  onChange,
  errors,
}: {
  state: ProjectFormState;
  onChange: Change;
  errors: FieldErrors;
}) {
  return (
    <section className="card stack" aria-labelledby="section-runtime">
      <h2 id="section-runtime">Runtime</h2>
      <div className="grid-2">
        <TextField
          path="port"
          label="Port"
          inputMode="numeric"
          value={state.port}
          onChange={(port) => onChange({ port })}
          error={errors.port}
          hint="The port your app listens on, such as 3000 or 8080."
          placeholder="3000"
        />
        <TextField
          path="healthCheckPath"
          label="Health check path"
          value={state.healthCheckPath}
          onChange={(healthCheckPath) => onChange({ healthCheckPath })}
          error={errors.healthCheckPath}
          hint="Answers 200 once the app is ready; traffic switches only then."
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          path="replicas"
          label="Replicas"
          inputMode="numeric"
          value={state.replicas}
          onChange={(replicas) => onChange({ replicas })}
          error={errors.replicas}
          hint="How many copies run, 1 to 20."
        />
      </div>
    </section>
  );
}

function DatabaseFields({
  state,
  onChange,
  errors,
  editing,
}: {
  state: ProjectFormState;
  onChange: Change;
  errors: FieldErrors;
  editing: boolean;
}) {
  const changeEngine = (engine: DatabaseEngine) =>
    // Follow the engine's usual version unless the user typed their own.
    onChange(
      state.version === ENGINE_DEFAULT_VERSIONS[state.engine]
        ? { engine, version: ENGINE_DEFAULT_VERSIONS[engine] }
        : { engine },
    );
  return (
    <section className="card stack" aria-labelledby="section-database">
      <h2 id="section-database">Database</h2>
      <div className="grid-2">
        {editing ? (
          <div className="field">
            <span className="field-label">Engine</span>
            <p>
              {ENGINE_LABELS[state.engine]} <span className="small muted">(fixed once created)</span>
            </p>
          </div>
        ) : (
          <SelectField
            path="engine"
            label="Engine"
            value={state.engine}
            onChange={(value) => changeEngine(value as DatabaseEngine)}
            options={DATABASE_ENGINES.map((e) => ({ value: e, label: ENGINE_LABELS[e] }))}
            error={errors.engine}
          />
        )}
        <TextField
          path="version"
          label="Version"
          value={state.version}
          onChange={(version) => onChange({ version })}
          error={errors.version}
          hint="Such as 16 or 8.0."
          autoComplete="off"
        />
        <TextField
          path="storage"
          label="Storage"
          value={state.storage}
          onChange={(storage) => onChange({ storage })}
          error={errors.storage}
          hint="A size such as 10Gi (Mi, Gi or Ti)."
          autoComplete="off"
          spellCheck={false}
        />
      </div>
    </section>
  );
}
