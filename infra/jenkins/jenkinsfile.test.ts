import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const jenkinsfile = readFileSync(resolve(import.meta.dirname, 'Jenkinsfile'), 'utf8');

/** The text of a stage's `steps { … }` block. */
function stage(name: string): string {
  const start = jenkinsfile.indexOf(`stage('${name}')`);
  if (start === -1) throw new Error(`no stage ${name}`);
  const next = jenkinsfile.indexOf("\n    stage('", start + 1);
  return jenkinsfile.slice(start, next === -1 ? undefined : next);
}

describe('the Jenkinsfile builds microservices in parallel', () => {
  it('makes one parallel branch per image, stopping the others on the first failure', () => {
    const image = stage('Image');
    expect(image).toMatch(/for \(u in UNITS\) \{\s*def unit = u\s*branches\[unit\.name\] = \{/);
    expect(image).toContain('parallel(branches + [failFast: true])');
    // A monolith's one image builds without a parallel block around it.
    expect(image).toContain('if (branches.size() == 1) {');
    // Each branch builds with the shared script and records its own digest under its service name.
    const branch = image.slice(
      image.indexOf('branches[unit.name] = {'),
      image.indexOf('if (branches.size()'),
    );
    expect(branch).toContain("container('buildah')");
    expect(branch).toContain('build-image.sh');
    expect(branch).toContain('IMAGES[unit.name] = [reference: unit.reference, digest: digest]');
  });

  it('records every service image in wharf-build.json, the first one also as `image`', () => {
    const record = stage('Record');
    expect(record).toContain('def entry = IMAGES[UNITS[0].name]');
    expect(record).toMatch(
      /if \(params\.WHARF_PROJECT_TYPE == 'microservices'\) \{\s*record\.images = IMAGES/,
    );
  });
});
