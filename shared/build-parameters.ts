import * as z from 'zod';
import type { BuildRequest } from './deploy-ports.ts';

/**
 * The contract between the control plane and the Jenkins pipeline (infra/jenkins/Jenkinsfile), in one
 * place: the job's parameters, the artifact the pipeline archives, and the log markers it echoes. The
 * Jenkins adapter builds its form from this list; a test holds the Jenkinsfile to it.
 */

export interface BuildParameter {
  /** The Jenkins parameter name (also the environment variable the pipeline's shell steps read). */
  name: string;
  /** Shown in Jenkins' "Build with Parameters" form; the Jenkinsfile carries the same text. */
  description: string;
  /** The pipeline stops in its Validate stage when a required parameter is empty. */
  required: boolean;
  /** The Jenkinsfile's default: what Jenkins uses when the parameter is not sent. */
  defaultValue: string;
  /**
   * How the value is derived from a build request. Absent for operator settings (scanner threshold,
   * credentials ids): those keep the job's default unless the adapter is configured to send them.
   */
  value?: ((request: BuildRequest) => string) | undefined;
}

/** The parameter that names the run: one build per run id (the adapter's idempotency key). */
export const RUN_ID_PARAMETER = 'WHARF_RUN_ID';

/** Operator settings: parameters no build request fills in, set once per deployment of the adapter. */
export const PIPELINE_SETTINGS = ['TRIVY_FAIL_ON', 'HARBOR_CREDENTIALS_ID', 'GIT_CREDENTIALS_ID'] as const;
export type PipelineSetting = (typeof PIPELINE_SETTINGS)[number];

/** Trivy severities, lowest first; `TRIVY_FAIL_ON=HIGH` fails the scan on HIGH and CRITICAL. */
export const TRIVY_THRESHOLDS = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

export const BUILD_PARAMETERS: readonly BuildParameter[] = [
  {
    name: RUN_ID_PARAMETER,
    description: 'Wharf run id: one build per run, also the image tag',
    required: true,
    defaultValue: '',
    value: (r) => r.runId,
  },
  {
    name: 'WHARF_REPOSITORY_URL',
    description: 'Git repository to build (https URL)',
    required: true,
    defaultValue: '',
    value: (r) => r.repository.url,
  },
  {
    name: 'WHARF_BRANCH',
    description: 'Branch to check out',
    required: true,
    defaultValue: 'main',
    value: (r) => r.repository.branch,
  },
  {
    name: 'WHARF_COMMIT',
    description: 'Exact commit to build; empty builds the branch head',
    required: false,
    defaultValue: '',
    value: (r) => r.commit ?? '',
  },
  {
    name: 'WHARF_IMAGE_REPOSITORY',
    description: 'Where the image goes, without tag, e.g. harbor.example.com/wharf/w1/shop',
    required: true,
    defaultValue: '',
    value: (r) => r.imageRepository,
  },
  {
    name: 'WHARF_WORKSPACE_ID',
    description: 'Wharf workspace (tenant) the project belongs to',
    required: true,
    defaultValue: '',
    value: (r) => r.workspaceId,
  },
  {
    name: 'WHARF_PROJECT_ID',
    description: 'Wharf project id',
    required: true,
    defaultValue: '',
    value: (r) => r.projectId,
  },
  {
    name: 'WHARF_PROJECT_NAME',
    description: 'Wharf project name',
    required: true,
    defaultValue: '',
    value: (r) => r.projectName,
  },
  {
    name: 'WHARF_ENVIRONMENT',
    description: 'Environment the image is built for',
    required: true,
    defaultValue: '',
    value: (r) => r.environment,
  },
  {
    name: 'WHARF_PROJECT_TYPE',
    description: 'monolith (one image) or microservices (one image per service folder)',
    required: true,
    defaultValue: 'monolith',
    value: (r) => r.projectType,
  },
  {
    // Build requests carry no framework today: the pipeline detects it. The parameter lets an operator
    // force one on a manual run, and a request field can fill it later without changing the job.
    name: 'WHARF_FRAMEWORK',
    description: 'auto (detect), node, java, python, go or static',
    required: true,
    defaultValue: 'auto',
    value: () => 'auto',
  },
  {
    name: 'WHARF_PORT',
    description: 'Port the app listens on (monolith); empty uses the framework default',
    required: false,
    defaultValue: '',
    value: (r) => (r.services?.length || r.port === undefined ? '' : String(r.port)),
  },
  {
    name: 'WHARF_SERVICES',
    description: 'Microservices: JSON array of {name, path, port}; empty for a monolith',
    required: false,
    defaultValue: '',
    value: (r) =>
      r.services?.length
        ? JSON.stringify(r.services.map(({ name, path, port }) => ({ name, path, port })))
        : '',
  },
  {
    name: 'TRIVY_FAIL_ON',
    description:
      'Lowest vulnerability severity that fails the image scan: NONE, LOW, MEDIUM, HIGH or CRITICAL',
    required: true,
    defaultValue: 'CRITICAL',
  },
  {
    name: 'HARBOR_CREDENTIALS_ID',
    description: 'Jenkins credentials id (username and password) for pushing to the registry',
    required: true,
    defaultValue: 'harbor-push',
  },
  {
    name: 'GIT_CREDENTIALS_ID',
    description: 'Jenkins credentials id for cloning private repositories; empty for public ones',
    required: false,
    defaultValue: '',
  },
];

/** The file the pipeline archives on success (at the root of the build's artifacts). */
export const BUILD_ARTIFACT_FILE = 'wharf-build.json';

/**
 * Lines the pipeline echoes so the control plane can follow it from the log alone. Each is a line
 * prefix; what follows it is the detail.
 */
export const BUILD_LOG_MARKERS = {
  /** A stage starts: `[wharf] stage: Image`. Failure reasons name the last one seen. */
  stage: '[wharf] stage: ',
  /** The image is being pushed: the run moves from `building` to `pushing`. */
  push: '[wharf] phase: push',
  /** The image scan found vulnerabilities at or above the threshold: `[wharf] scan failed: api: …`. */
  scanFailed: '[wharf] scan failed: ',
} as const;

const imageRefSchema = z.object({
  reference: z.string().min(1, 'must not be empty'),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: and 64 lowercase hex characters'),
});

/** What `wharf-build.json` holds: the pushed image(s) by digest and the commit they were built from. */
export const buildArtifactSchema = z.object({
  version: z.literal(1),
  runId: z.string().min(1),
  sourceCommit: z.string().regex(/^[0-9a-f]{7,40}$/, 'must be a git commit id'),
  /** The commit's subject and author (`git log -1 --format=%s` / `%an`); cleaned by `commitInfo`. */
  sourceMessage: z.string().optional(),
  sourceAuthor: z.string().optional(),
  /** The monolith's image, or for microservices the first service's. */
  image: imageRefSchema,
  /** Microservices: every service's image, by service name. */
  images: z.record(z.string(), imageRefSchema).optional(),
});

export class InvalidBuildRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBuildRequest';
  }
}

/**
 * The form a build is queued with: every request-derived parameter, plus the operator settings given.
 * Throws when a required value is empty, so a bad request never reaches the pipeline.
 */
export function buildParameterValues(
  request: BuildRequest,
  settings: Partial<Record<PipelineSetting, string>> = {},
): Array<[name: string, value: string]> {
  const entries: Array<[string, string]> = [];
  for (const parameter of BUILD_PARAMETERS) {
    const value = parameter.value ? parameter.value(request) : settings[parameter.name as PipelineSetting];
    if (value === undefined) continue;
    if (parameter.required && value.trim() === '') {
      throw new InvalidBuildRequestError(`The build parameter ${parameter.name} must not be empty`);
    }
    entries.push([parameter.name, value]);
  }
  return entries;
}
