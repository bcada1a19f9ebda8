import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFramework } from './detect.ts';
import { generateDockerfile } from './dockerfiles.ts';

async function folder(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-detect-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

const pkg = (value: object) => JSON.stringify(value);

async function detected(dir: string) {
  const detection = await detectFramework(dir);
  if (!detection) throw new Error(`nothing detected in ${dir}`);
  return detection;
}

describe('detectFramework', () => {
  it.each([
    [{ 'package.json': pkg({ scripts: { build: 'x' } }), 'package-lock.json': '{}' }, 'node', false],
    [{ 'index.html': '<h1>hi</h1>' }, 'static', false],
    [{ 'index.html': '', 'package.json': pkg({}) }, 'node', false],
    [{ 'pom.xml': '<project/>', 'package.json': pkg({}) }, 'maven', false],
    [{ 'build.gradle.kts': '', gradlew: '' }, 'gradle', false],
    [{ 'build.gradle': '' }, 'gradle', false],
    [{ Dockerfile: 'FROM scratch', 'package.json': pkg({}) }, 'node', true],
    [{ Dockerfile: 'FROM scratch' }, 'dockerfile', true],
  ])('%o → %s', async (files, framework, hasDockerfile) => {
    const detection = await detectFramework(await folder(files));
    expect(detection?.framework).toBe(framework);
    expect(detection?.hasDockerfile).toBe(hasDockerfile);
    expect(detection?.reason).toMatch(/^(Detected|Found)/);
  });

  it('finds nothing in a folder with nothing buildable, and names a broken package.json', async () => {
    expect(await detectFramework(await folder({ 'notes.txt': '' }))).toBeUndefined();
    await expect(detectFramework(await folder({ 'package.json': '{ nope' }))).rejects.toThrow(
      /^package\.json is not valid JSON/,
    );
  });
});

describe('generateDockerfile', () => {
  it('builds a Node app in one stage and runs it as node on the app port', async () => {
    const dir = await folder({
      'package.json': pkg({ scripts: { build: 'b', start: 's' }, dependencies: { a: '1' } }),
    });
    const dockerfile = await generateDockerfile(dir, await detected(dir), 8081);
    expect(dockerfile).toContain('RUN npm install\n');
    expect(dockerfile).toContain('RUN npm run build\n');
    expect(dockerfile).toContain('RUN npm prune --omit=dev\n');
    expect(dockerfile).toContain('USER node\n');
    expect(dockerfile).toContain('EXPOSE 8081\n');
    expect(dockerfile).toContain('CMD ["npm","start"]\n');
  });

  it('serves a build-only Node app (an SPA) and a static site with unprivileged nginx on the port', async () => {
    const spa = await folder({
      'package.json': pkg({ scripts: { build: 'vite build' }, devDependencies: { vite: '5' } }),
    });
    const spaFile = await generateDockerfile(spa, await detected(spa), 8080);
    expect(spaFile).toContain('COPY --from=build /app/dist /usr/share/nginx/html');
    expect(spaFile).not.toContain('npm prune');
    const site = await folder({ 'index.html': '' });
    const siteFile = await generateDockerfile(site, await detected(site), 3000);
    expect(siteFile).toContain('FROM nginxinc/nginx-unprivileged');
    expect(siteFile).toContain("sed -i 's/8080/3000/g'");
    expect(siteFile).toContain('EXPOSE 3000');
  });

  it('packages Spring Boot apps from Maven and Gradle builds', async () => {
    const maven = await folder({ 'pom.xml': '' });
    const mavenFile = await generateDockerfile(maven, await detected(maven), undefined);
    expect(mavenFile).toContain('RUN mvn -B package -DskipTests');
    expect(mavenFile).toContain('EXPOSE 8080');
    const gradle = await folder({ 'build.gradle': '', gradlew: '' });
    expect(await generateDockerfile(gradle, await detected(gradle), 9000)).toContain(
      'RUN sh ./gradlew build -x test --no-daemon',
    );
    const onlyDockerfile = await folder({ Dockerfile: '' });
    expect(await generateDockerfile(onlyDockerfile, await detected(onlyDockerfile), 80)).toBeUndefined();
  });
});
