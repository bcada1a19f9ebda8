import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILD_ARTIFACT_FILE,
  BUILD_LOG_MARKERS,
  BUILD_PARAMETERS,
  buildArtifactSchema,
  buildParameterValues,
  InvalidBuildRequestError,
  PIPELINE_SETTINGS,
  RUN_ID_PARAMETER,
  TRIVY_THRESHOLDS,
} from './build-parameters.ts';
import type { BuildRequest } from './deploy-ports.ts';

const jenkinsfile = readFileSync(resolve(import.meta.dirname, '../infra/jenkins/Jenkinsfile'), 'utf8');
const BUILD_SCRIPT = 'infra/build/build-image.sh';
const buildScriptPath = resolve(import.meta.dirname, '..', BUILD_SCRIPT);

/** The pod template's containers: name → image. */
function podImages(source: string): Map<string, string> {
  const images = new Map<string, string>();
  for (const m of source.matchAll(/^ {4}- name: ([\w-]+)\n((?: {6}.*\n)*)/gm)) {
    const image = m[2]?.match(/^ {6}image: (\S+)$/m)?.[1];
    if (m[1] && image) images.set(m[1], image);
  }
  return images;
}

/** The `parameters { … }` block's `string(key: 'value', …)` entries, read the way Groovy would. */
function declaredParameters(source: string): Array<Record<string, string | boolean>> {
  const start = source.search(/^\s*parameters\s*\{/m);
  if (start === -1) throw new Error('no parameters block');
  const open = source.indexOf('{', start);
  let depth = 0;
  let end = open;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++;
    if (source[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  const block = source.slice(open + 1, end);
  const entries: Array<Record<string, string | boolean>> = [];
  const call = /(\w+)\s*\(/g;
  for (let match = call.exec(block); match; match = call.exec(block)) {
    if (match[1] !== 'string') throw new Error(`only string parameters are expected, found ${match[1]}(`);
    const entry: Record<string, string | boolean> = {};
    const pair = /\s*(\w+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|(true|false))\s*(,|\))/y;
    pair.lastIndex = call.lastIndex;
    for (;;) {
      const p = pair.exec(block);
      if (!p?.[1])
        throw new Error(
          `cannot read the arguments of string( at ${block.slice(call.lastIndex, call.lastIndex + 60)}`,
        );
      entry[p[1]] = p[3] !== undefined ? p[3] === 'true' : (p[2] ?? '').replace(/\\(.)/g, '$1');
      if (p[4] === ')') break;
    }
    call.lastIndex = pair.lastIndex;
    entries.push(entry);
  }
  return entries;
}

const monolith: BuildRequest = {
  runId: 'r0abc',
  workspaceId: 'w1',
  projectId: 'p1',
  projectName: 'storefront',
  environment: 'production',
  projectType: 'monolith',
  repository: { url: 'https://github.com/acme/storefront.git', branch: 'main' },
  imageRepository: 'harbor.example.com/wharf/w1/storefront',
  port: 3000,
};

describe('the Jenkinsfile agrees with the build parameters', () => {
  const declared = declaredParameters(jenkinsfile);

  it('declares exactly the defined parameters, in order, with their defaults and descriptions', () => {
    expect(declared.map((p) => p.name)).toEqual(BUILD_PARAMETERS.map((p) => p.name));
    for (const parameter of BUILD_PARAMETERS) {
      const entry = declared.find((p) => p.name === parameter.name);
      expect(entry, parameter.name).toMatchObject({
        defaultValue: parameter.defaultValue,
        description: parameter.description,
        trim: true,
      });
    }
  });

  it('checks exactly the required parameters in its Validate stage', () => {
    const list = jenkinsfile.match(/def requiredParameters = \[([^\]]*)\]/)?.[1];
    expect(list).toBeDefined();
    const names = [...(list ?? '').matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(names).toEqual(BUILD_PARAMETERS.filter((p) => p.required).map((p) => p.name));
  });

  it('archives the artifact and echoes every log marker', () => {
    expect(jenkinsfile).toContain(`writeJSON(file: '${BUILD_ARTIFACT_FILE}'`);
    expect(jenkinsfile).toContain(`archiveArtifacts(artifacts: '${BUILD_ARTIFACT_FILE}'`);
    expect(jenkinsfile).toContain(`echo '${BUILD_LOG_MARKERS.push}'`);
    expect(jenkinsfile).toContain(`echo "${BUILD_LOG_MARKERS.scanFailed}`);
    // Every stage announces itself first, so a failure can name it.
    const stages = [...jenkinsfile.matchAll(/stage\('([^']+)'\)\s*\{[\s\S]*?steps\s*\{\s*echo '([^']*)'/g)];
    expect(stages.length).toBeGreaterThanOrEqual(7);
    for (const [, name, first] of stages) expect(first).toBe(`${BUILD_LOG_MARKERS.stage}${name}`);
  });

  it('offers the Trivy thresholds the definition names', () => {
    expect(jenkinsfile).toContain(`['${TRIVY_THRESHOLDS.join("', '")}']`);
  });

  it('builds with the upstream buildah image, pinned to a release, and no Kaniko left', () => {
    const images = podImages(jenkinsfile);
    expect(images.get('buildah')).toMatch(/^quay\.io\/buildah\/stable:v1\.\d+\.\d+$/);
    // Every image of the pod names a fixed tag: no `latest`, no untagged name.
    expect([...images.values()].length).toBeGreaterThanOrEqual(3);
    for (const image of images.values()) {
      expect(image).toMatch(/:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(jenkinsfile).not.toMatch(/kaniko/i);
  });

  it('calls the one shared build script, with the CLI the local runner uses', () => {
    expect(existsSync(buildScriptPath)).toBe(true);
    const call = jenkinsfile.match(/bash "\$WORKSPACE\/wharf\/([\w/.-]+)"([^|]*)\|/);
    expect(call?.[1]).toBe(BUILD_SCRIPT);
    const flags = [...(call?.[2] ?? '').matchAll(/--([a-z-]+)/g)].map((m) => m[1]);
    expect(flags).toEqual(['context', 'file', 'image', 'digest-file']);
    // The script comes from the same checkout as this Jenkinsfile.
    expect(jenkinsfile).toMatch(/dir\('wharf'\)\s*\{\s*checkout scm\s*\}/);
  });

  it("marks the push phase at the shared script's push line", () => {
    const script = readFileSync(buildScriptPath, 'utf8');
    const pushLine = script.match(/^echo "(Pushing )\$image"$/m)?.[1];
    expect(pushLine).toBe('Pushing ');
    expect(jenkinsfile).toContain(`"${pushLine}"*) echo '${BUILD_LOG_MARKERS.push}' ;;`);
  });

  it('scans the pushed image by the digest it records', () => {
    expect(jenkinsfile).toContain(`def pinned = "\${unit.repository}@\${IMAGES[unit.name].digest}"`);
    expect(jenkinsfile).toMatch(/trivy image --image-src remote [^\n]*\\\n[^\n]*"\$UNIT_PINNED"/);
  });

  it('never splices a parameter into a shell script with Groovy interpolation', () => {
    // `sh` as a step, not the end of a file name such as build-image.sh".
    const doubleQuotedShell = [...jenkinsfile.matchAll(/(?<![\w.-])sh\s*\(?\s*(?:script:\s*)?"/g)];
    expect(doubleQuotedShell).toEqual([]);
    expect(jenkinsfile).not.toMatch(/sh[^\n]*"""/);
  });
});

describe('buildParameterValues', () => {
  it('derives every request parameter and leaves operator settings to the job', () => {
    const values = Object.fromEntries(buildParameterValues(monolith));
    expect(values).toEqual({
      WHARF_RUN_ID: 'r0abc',
      WHARF_REPOSITORY_URL: 'https://github.com/acme/storefront.git',
      WHARF_BRANCH: 'main',
      WHARF_COMMIT: '',
      WHARF_IMAGE_REPOSITORY: 'harbor.example.com/wharf/w1/storefront',
      WHARF_WORKSPACE_ID: 'w1',
      WHARF_PROJECT_ID: 'p1',
      WHARF_PROJECT_NAME: 'storefront',
      WHARF_ENVIRONMENT: 'production',
      WHARF_PROJECT_TYPE: 'monolith',
      WHARF_FRAMEWORK: 'auto',
      WHARF_PORT: '3000',
      WHARF_SERVICES: '',
    });
    expect(Object.keys(values)).not.toContain('TRIVY_FAIL_ON');
  });

  it('sends microservices as JSON, and operator settings when given', () => {
    const values = Object.fromEntries(
      buildParameterValues(
        {
          ...monolith,
          projectType: 'microservices',
          commit: 'abc1234',
          port: undefined,
          services: [
            { name: 'gateway', path: 'gateway', port: 8080 },
            { name: 'orders', path: 'services/orders', port: 8081 },
          ],
        },
        { TRIVY_FAIL_ON: 'HIGH', HARBOR_CREDENTIALS_ID: 'robot-wharf' },
      ),
    );
    expect(JSON.parse(values.WHARF_SERVICES ?? '')).toEqual([
      { name: 'gateway', path: 'gateway', port: 8080 },
      { name: 'orders', path: 'services/orders', port: 8081 },
    ]);
    expect(values).toMatchObject({
      WHARF_COMMIT: 'abc1234',
      WHARF_PORT: '',
      WHARF_PROJECT_TYPE: 'microservices',
      TRIVY_FAIL_ON: 'HIGH',
      HARBOR_CREDENTIALS_ID: 'robot-wharf',
    });
  });

  it('refuses an empty required value', () => {
    expect(() => buildParameterValues({ ...monolith, runId: ' ' })).toThrow(InvalidBuildRequestError);
    expect(() => buildParameterValues({ ...monolith, runId: '' })).toThrow(RUN_ID_PARAMETER);
    expect(() => buildParameterValues(monolith, { HARBOR_CREDENTIALS_ID: '' })).toThrow(
      'HARBOR_CREDENTIALS_ID',
    );
  });

  it('lists every operator setting as a parameter without a request value', () => {
    for (const name of PIPELINE_SETTINGS) {
      expect(BUILD_PARAMETERS.find((p) => p.name === name)?.value).toBeUndefined();
    }
  });
});

describe('buildArtifactSchema', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  it('accepts what the Jenkinsfile writes and rejects a record without a digest', () => {
    expect(
      buildArtifactSchema.safeParse({
        version: 1,
        runId: 'r1',
        sourceCommit: 'f'.repeat(40),
        image: { reference: 'harbor.example.com/wharf/w1/shop:r1', digest },
      }).success,
    ).toBe(true);
    expect(
      buildArtifactSchema.safeParse({
        version: 1,
        runId: 'r1',
        sourceCommit: 'f'.repeat(40),
        image: { reference: 'harbor.example.com/wharf/w1/shop:r1' },
      }).success,
    ).toBe(false);
  });
});
