import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as z from 'zod';

/**
 * Pointing the local stack at real systems: `.wharf/config.json` (gitignored) or environment
 * variables name a Jenkins, a GitHub GitOps repository and an Argo CD — any subset — and the same
 * handlers switch from the local adapters to the production ones. The result is the handlers' own
 * settings (the names the AWS functions use), so nothing else in the stack knows the difference.
 */
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const localIntegrationsSchema = z.strictObject({
  jenkins: z
    .strictObject({
      url,
      user: nonEmpty,
      /** The pipeline job, folders separated by `/` (e.g. `platform/wharf-build`). */
      job: nonEmpty,
      apiToken: nonEmpty,
    })
    .optional(),
  github: z
    .strictObject({
      /** `owner/name` of the GitOps repository. */
      repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name'),
      branch: nonEmpty.default('main'),
      /** GitHub Enterprise Server: https://github.example.com/api/v3 */
      apiUrl: url.optional(),
      webUrl: url.optional(),
      /** A fine-grained token with contents:write on the repository… */
      token: nonEmpty.optional(),
      /** …or, preferred, a GitHub App installation. */
      app: z
        .strictObject({
          appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'must be a number')]),
          installationId: z.union([
            z.number().int().positive(),
            z.string().regex(/^\d+$/, 'must be a number'),
          ]),
          privateKeyFile: nonEmpty,
        })
        .optional(),
    })
    .refine((g) => Boolean(g.token) !== Boolean(g.app), {
      error: 'needs exactly one of "token" or "app"',
      path: ['token'],
    })
    .optional(),
  argocd: z
    .strictObject({
      url,
      token: nonEmpty,
      refresh: z.enum(['normal', 'hard']).default('normal'),
    })
    .optional(),
});
export type LocalIntegrations = z.infer<typeof localIntegrationsSchema>;

export class IntegrationConfigError extends Error {
  override name = 'IntegrationConfigError';
}

/** Reads `<dataDir>/config.json` when it exists; a broken file stops `npm start` naming the field. */
export function readIntegrationsFile(file: string): LocalIntegrations | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new IntegrationConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = localIntegrationsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IntegrationConfigError(`${file}: ${issue?.path.join('.') || '(top level)'} ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * The handler settings for the configured systems. Settings already in the environment win over the
 * file (WHARF_JENKINS_URL etc.); a system counts as configured when its URL/repository is set.
 */
export function integrationSettings(
  file: LocalIntegrations | undefined,
  environment: NodeJS.ProcessEnv,
  baseDir: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined && !environment[name]?.trim()) out[name] = String(value);
  };
  const { jenkins, github, argocd } = file ?? {};
  set('WHARF_JENKINS_URL', jenkins?.url);
  set('WHARF_JENKINS_USER', jenkins?.user);
  set('WHARF_JENKINS_JOB', jenkins?.job);
  set('WHARF_JENKINS_TOKEN', jenkins?.apiToken);
  set('WHARF_GITHUB_REPOSITORY', github?.repository);
  set('WHARF_GITHUB_BRANCH', github?.branch);
  set('WHARF_GITHUB_API_URL', github?.apiUrl);
  set('WHARF_GITHUB_WEB_URL', github?.webUrl);
  if (github?.app) {
    const keyFile = isAbsolute(github.app.privateKeyFile)
      ? github.app.privateKeyFile
      : resolve(baseDir, github.app.privateKeyFile);
    if (!existsSync(keyFile)) {
      throw new IntegrationConfigError(`github.app.privateKeyFile: ${keyFile} does not exist`);
    }
    set('WHARF_GITHUB_APP_ID', github.app.appId);
    set('WHARF_GITHUB_INSTALLATION_ID', github.app.installationId);
    set('WHARF_GITHUB_CREDENTIALS', readFileSync(keyFile, 'utf8'));
  } else {
    set('WHARF_GITHUB_CREDENTIALS', github?.token);
  }
  set('WHARF_ARGOCD_URL', argocd?.url);
  set('WHARF_ARGOCD_TOKEN', argocd?.token);
  set('WHARF_ARGOCD_REFRESH', argocd?.refresh);

  const has = (name: string) => Boolean(out[name] ?? environment[name]?.trim());
  const jenkinsOn = has('WHARF_JENKINS_URL');
  const githubOn = has('WHARF_GITHUB_REPOSITORY');
  const argoOn = has('WHARF_ARGOCD_URL');
  // Argo CD can't read the laptop's GitOps repository, and the local reconciler can't follow GitHub.
  if (githubOn !== argoOn) {
    throw new IntegrationConfigError(
      githubOn
        ? 'A GitHub GitOps repository needs an Argo CD watching it: add "argocd" to .wharf/config.json (the local reconciler only follows the local repository).'
        : 'Argo CD needs the GitOps repository it watches: add "github" to .wharf/config.json (Argo CD cannot read the local repository).',
    );
  }
  if (jenkinsOn) set('WHARF_BUILD_SERVICE', 'jenkins');
  if (githubOn) set('WHARF_GITOPS', 'github');
  if (argoOn) set('WHARF_SYNC', 'argocd');
  return out;
}

/** Which real systems the settings switch on (for the startup banner; never values). */
export function describeIntegrations(settings: Record<string, string | undefined>): string[] {
  const lines: string[] = [];
  if (settings.WHARF_BUILD_SERVICE === 'jenkins')
    lines.push(`builds: Jenkins ${settings.WHARF_JENKINS_URL} job ${settings.WHARF_JENKINS_JOB}`);
  if (settings.WHARF_GITOPS === 'github')
    lines.push(
      `GitOps: GitHub ${settings.WHARF_GITHUB_REPOSITORY}@${settings.WHARF_GITHUB_BRANCH ?? 'main'}`,
    );
  if (settings.WHARF_SYNC === 'argocd') lines.push(`sync: Argo CD ${settings.WHARF_ARGOCD_URL}`);
  return lines;
}

export const integrationsFile = (dataDir: string) => join(dataDir, 'config.json');
