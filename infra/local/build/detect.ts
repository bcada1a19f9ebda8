import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildFailure } from './run-command.ts';

export type Framework = 'node' | 'static' | 'maven' | 'gradle' | 'dockerfile';

export interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Detection {
  framework: Framework;
  /** The folder has its own Dockerfile, which is used as it is. */
  hasDockerfile: boolean;
  /** Why, in words for the log. */
  reason: string;
  packageJson?: PackageJson | undefined;
  /** Node: package-lock.json is present (so `npm ci`). */
  hasLockfile?: boolean | undefined;
  /** Gradle: the folder carries its own wrapper (`gradlew`). */
  hasGradleWrapper?: boolean | undefined;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export const hasDependencies = (pkg: PackageJson): boolean =>
  [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies, pkg.peerDependencies].some(
    (deps) => deps !== undefined && Object.keys(deps).length > 0,
  );

export const hasScript = (pkg: PackageJson | undefined, name: string): boolean =>
  typeof pkg?.scripts?.[name] === 'string' && pkg.scripts[name].trim() !== '';

async function readPackageJson(dir: string): Promise<PackageJson> {
  const raw = await readFile(join(dir, 'package.json'), 'utf8');
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as PackageJson;
  } catch (error) {
    throw new BuildFailure(
      `package.json is not valid JSON (${(error as Error).message}); fix it and deploy again`,
    );
  }
}

/**
 * Works out how to build the folder. A build tool's file wins over index.html (a Spring Boot app can
 * ship static pages) and Maven/Gradle win over package.json (Spring apps often carry frontend
 * tooling); a Dockerfile is reused for the image whatever the framework, and is the whole story
 * when nothing else is recognised. Undefined when the folder holds nothing buildable.
 */
export async function detectFramework(dir: string): Promise<Detection | undefined> {
  const [dockerfile, pom, gradle, gradleKts, gradlew, pkg, lock, index] = await Promise.all(
    [
      'Dockerfile',
      'pom.xml',
      'build.gradle',
      'build.gradle.kts',
      'gradlew',
      'package.json',
      'package-lock.json',
      'index.html',
    ].map((name) => exists(join(dir, name))),
  );
  const hasDockerfile = Boolean(dockerfile);
  const dockerNote = hasDockerfile ? ' (and a Dockerfile)' : '';

  if (pom) {
    return {
      framework: 'maven',
      hasDockerfile,
      reason: `Detected a Spring Boot app built with Maven: found pom.xml${dockerNote}`,
    };
  }
  if (gradle || gradleKts) {
    const file = gradleKts ? 'build.gradle.kts' : 'build.gradle';
    return {
      framework: 'gradle',
      hasDockerfile,
      hasGradleWrapper: Boolean(gradlew),
      reason: `Detected a Spring Boot app built with Gradle: found ${file}${gradlew ? ' and gradlew' : ''}${dockerNote}`,
    };
  }
  if (pkg) {
    const packageJson = await readPackageJson(dir);
    const facts = [
      'package.json',
      hasScript(packageJson, 'build') ? 'a build script' : 'no build script',
      lock ? 'package-lock.json' : 'no package-lock.json',
    ];
    return {
      framework: 'node',
      hasDockerfile,
      packageJson,
      hasLockfile: Boolean(lock),
      reason: `Detected a Node.js app (npm): found ${facts.join(', ')}${dockerNote}`,
    };
  }
  if (index) {
    return {
      framework: 'static',
      hasDockerfile,
      reason: `Detected a static site: found index.html and no package.json${dockerNote}`,
    };
  }
  if (hasDockerfile) {
    return {
      framework: 'dockerfile',
      hasDockerfile,
      reason:
        'Found a Dockerfile and no package.json, index.html, pom.xml or build.gradle: the Dockerfile builds the app',
    };
  }
  return undefined;
}
