import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidBuildRequestError } from '../../../shared/build-parameters.ts';
import type { BuildProgress, BuildRequest } from '../../../shared/deploy-ports.ts';
import { BaseImages } from '../containers/base-images.ts';
import { containerEnvironment, missingContainerTools } from '../containers/environment.ts';
import { catalog, type LocalRegistry, manifestDigest, startRegistry } from '../containers/registry.ts';
import { createGitHttpHandler, prepareSampleRepos } from '../git-http.ts';
import { tenantUser } from '../tenant-sandbox.ts';
import { writeRecord } from './build-state.ts';
import { IMAGE_SKIPPED_LINE, LocalBuildRunner, RUNNER_GONE_REASON, rewriteFrom } from './local-runner.ts';

const run = promisify(execFile);
const samplesDir = resolve(import.meta.dirname, '../../../samples');
const controlPlaneBin = resolve(import.meta.dirname, '../../../node_modules/.bin');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** True once the process is gone (or only a zombie waiting for its parent), within a second. */
async function exitsSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    try {
      process.kill(pid, 0);
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (/^\d+ \(.*\) Z/.test(stat)) return true;
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

let root: string;
let reposDir: string;
let server: Server;
let gitBase: string;
let counter = 0;
/** Stands for the stack's data folder (.wharf/): the platform's files next to builds/ and artifacts/. */
let dataDir: string;
/** The builds' working trees: outside `root`, which only its owner can enter. */
let treeDir: string;

/** Test repositories, made the way the samples are (one commit in a bare repo). */
const fixtures: Record<string, Record<string, string>> = {
  'broken-build': {
    'package.json': JSON.stringify({
      name: 'broken-build',
      version: '0.0.1',
      scripts: {
        build: `node -e "console.log('compiling'); console.log('AWS=' + (process.env.AWS_SECRET_ACCESS_KEY ?? 'none') + ' WHARF=' + (process.env.WHARF_SECRET ?? 'none') + ' HOME=' + process.env.HOME + ' CI=' + process.env.CI); console.log('control-plane-bin=' + process.env.PATH.split(':').includes('${controlPlaneBin}')); console.error('error: something is wrong'); process.exit(1)"`,
      },
    }),
  },
  'slow-build': {
    'package.json': JSON.stringify({
      name: 'slow-build',
      version: '0.0.1',
      scripts: { build: 'node -e "console.log(\'pid=\' + process.pid); setTimeout(() => {}, 60000)"' },
    }),
  },
  'two-services': {
    'services/api/package.json': JSON.stringify({
      name: 'api',
      version: '1.0.0',
      scripts: { start: 'node server.js' },
    }),
    'services/api/server.js': "console.log('api');\n",
    'services/web/index.html': '<h1>web</h1>\n',
  },
  empty: { 'notes.txt': 'nothing to build here\n' },
  'spring-offline': {
    'gateway/index.html': '<h1>gateway</h1>\n',
    'orders/pom.xml': '<project><modelVersion>4.0.0</modelVersion></project>\n',
  },
};

const request = (repo: string, overrides: Partial<BuildRequest> = {}): BuildRequest => {
  counter += 1;
  return {
    runId: `r${Date.now().toString(36)}${counter}`,
    workspaceId: 'w1',
    projectId: 'p1',
    projectName: repo,
    environment: 'dev' as BuildRequest['environment'],
    projectType: 'monolith',
    repository: { url: join(reposDir, `${repo}.git`), branch: 'main' },
    imageRepository: `registry.local/wharf/w1/${repo}`,
    port: 3000,
    ...overrides,
  };
};

const newRunner = (options: Partial<ConstructorParameters<typeof LocalBuildRunner>[0]> = {}) => {
  const dir = join(root, `runner-${++counter}`);
  return {
    workDir: join(dir, 'builds'),
    artifactsDir: join(dir, 'artifacts'),
    runner: new LocalBuildRunner({
      workDir: join(dir, 'builds'),
      artifactsDir: join(dir, 'artifacts'),
      treeDir,
      ...options,
    }),
  };
};

/** Polls like the workflow does until a final state, keeping each poll's lines. */
async function pollToEnd(runner: LocalBuildRunner, buildId: string, every = 50) {
  const polls: BuildProgress[] = [];
  let offset: string | undefined;
  for (let i = 0; i < 1200; i++) {
    const progress = await runner.poll(buildId, offset);
    polls.push(progress);
    offset = progress.nextOffset;
    if (['succeeded', 'failed', 'cancelled'].includes(progress.state)) break;
    await sleep(every);
  }
  const last = polls.at(-1) as BuildProgress;
  return { polls, last, lines: polls.flatMap((p) => p.lines) };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wharf-runner-'));
  treeDir = await mkdtemp(join(tmpdir(), 'wharf-runner-trees-'));
  await chmod(treeDir, 0o711);
  reposDir = join(root, 'repos');
  await prepareSampleRepos({ samplesDir, reposDir });
  const fixturesDir = join(root, 'fixtures');
  dataDir = join(root, 'data');
  fixtures['nosy-build'] = {
    'package.json': JSON.stringify({
      name: 'nosy-build',
      version: '0.0.1',
      scripts: { build: 'node probe.js' },
    }),
    // What a hostile build would try: the platform's files by a guessed path, then by walking up.
    'probe.js': `
const fs = require('node:fs');
const path = require('node:path');
const dataDir = ${JSON.stringify(dataDir)};
for (const name of ['secrets.json', 'oidc-keys.json', 'webhook-secret', 'stack.json']) {
  let outcome = 'read';
  try { fs.readFileSync(path.join(dataDir, name), 'utf8'); } catch (error) { outcome = error.code; }
  console.log('probe ' + name + ': ' + outcome);
}
let upwards = 'none';
for (const start of [process.cwd(), process.env.HOME]) {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try { fs.readFileSync(path.join(dir, 'secrets.json')); upwards = dir; } catch {}
  }
}
console.log('probe upwards: ' + upwards);
const names = Object.keys(process.env).filter((k) => /^(WHARF_|AWS_|DYNAMODB_|SFN_)|TOKEN|SECRET/i.test(k));
console.log('probe env: ' + (names.join(',') || 'clean'));
const paths = Object.keys(process.env).filter((k) => process.env[k].includes(dataDir));
console.log('probe platform paths: ' + (paths.join(',') || 'none'));
console.log('probe cwd in data dir: ' + process.cwd().startsWith(dataDir));
`,
  };
  for (const [name, files] of Object.entries(fixtures)) {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(fixturesDir, name, path, '..'), { recursive: true });
      await writeFile(join(fixturesDir, name, path), content);
    }
  }
  await prepareSampleRepos({ samplesDir: fixturesDir, reposDir });

  const handler = createGitHttpHandler({ reposDir });
  server = createServer((req, res) => void handler(req, res, (req.url ?? '').split('?')[0]?.slice(4) ?? ''));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  gitBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/git`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
  await rm(treeDir, { recursive: true, force: true });
});

describe('LocalBuildRunner', () => {
  it('builds the node-web sample from git over HTTP, streaming each log line exactly once', async () => {
    const { runner, workDir, artifactsDir } = newRunner();
    const req = request('node-web', { repository: { url: `${gitBase}/node-web.git`, branch: 'main' } });
    const startedAt = Date.now();
    const { buildId } = await runner.start(req);
    expect(buildId).toBe(req.runId);
    const { polls, last, lines } = await pollToEnd(runner, buildId);
    const tookMs = Date.now() - startedAt;
    console.info(`node-web sample built in ${tookMs} ms`);

    expect(last.state, last.reason).toBe('succeeded');
    // Every line of the file, in order, once: nothing lost or repeated across polls.
    const file = await readFile(join(workDir, buildId, 'build.log'), 'utf8');
    expect(lines).toEqual(file.trimEnd().split('\n'));
    expect(Number(last.nextOffset)).toBe(Buffer.byteLength(file));

    const headers = lines.filter((l) => l.startsWith('▶ '));
    expect(headers).toEqual([
      `▶ Clone ${gitBase}/node-web.git (main)`,
      '▶ Detect framework',
      '▶ Dockerfile',
      '▶ Install dependencies',
      '▶ Build: npm run build',
      `▶ Image: registry.local/wharf/w1/node-web:${buildId}`,
    ]);
    expect(lines).toContain(
      'Detected a Node.js app (npm): found package.json, a build script, no package-lock.json',
    );
    expect(lines).toContain('No dependencies in package.json: nothing to install');
    expect(lines).toContain('  EXPOSE 3000');
    // Process mode: without buildah the one line says so; with buildah but no reachable base image, its own line.
    const skipped = lines.filter((l) => l.startsWith('Image step skipped'));
    expect(skipped).toEqual([
      (await missingContainerTools()).includes('buildah')
        ? IMAGE_SKIPPED_LINE
        : 'Image step skipped: the base image node:24-alpine is not in the local image store and nothing is pulled during a build; running the built files as a process (process mode).',
    ]);
    // The build script's own output, as printed, in order.
    const progress = lines.filter((l) => /^\[\d\/4\]/.test(l));
    expect(progress).toEqual([
      '[1/4] Checking sources…',
      '[2/4] Rendering pages…',
      '[3/4] Writing assets…',
      '[4/4] Stamping the version…',
    ]);
    // …and it arrived while the build ran, not all at the end.
    const pollOf = (text: string) => polls.findIndex((p) => p.lines.includes(text));
    expect(pollOf('[1/4] Checking sources…')).toBeLessThan(pollOf('[4/4] Stamping the version…'));
    expect(polls.some((p) => p.state === 'running' && p.lines.length > 0)).toBe(true);
    expect(polls.filter((p) => p.phase === 'push').length).toBeGreaterThan(0);

    const head = (
      await run('git', ['rev-parse', 'main'], { cwd: join(reposDir, 'node-web.git') })
    ).stdout.trim();
    expect(last.sourceCommit).toBe(head);
    // The commit's subject and author as git reads them, for the run's title.
    const [author = '', subject = ''] = (
      await run('git', ['log', '-1', '--format=%an%n%s', 'main'], { cwd: join(reposDir, 'node-web.git') })
    ).stdout.split('\n');
    expect(last.commit).toEqual({ sha: head, message: subject, author });
    expect(subject).not.toBe('');
    expect(last.image?.reference).toBe(`registry.local/wharf/w1/node-web:${buildId}`);
    expect(last.image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(last.images).toBeUndefined();

    const artifact = join(artifactsDir, (last.image?.digest ?? '').slice('sha256:'.length));
    const stored = await readdir(artifact);
    expect(stored).toEqual(expect.arrayContaining(['server.js', 'dist', 'package.json', 'Dockerfile']));
    expect(stored).not.toContain('.git');
    expect(await readFile(join(artifact, 'dist', 'version.txt'), 'utf8')).toMatch(/^1\.0\.0 built \d{4}-/);
    // The checkout is cleaned up; state and log stay.
    expect((await readdir(join(workDir, buildId))).sort()).toEqual(['build.log', 'state.json']);

    // Polling again from the end gives nothing new; from the start, everything again.
    expect((await runner.poll(buildId, last.nextOffset)).lines).toEqual([]);
    expect((await runner.poll(buildId, undefined)).lines).toEqual(lines);
  }, 60_000);

  it('starts a build once per run, however often start is called', async () => {
    const { runner, workDir } = newRunner();
    const req = request('static-site');
    const results = await Promise.all([runner.start(req), runner.start(req), runner.start(req)]);
    expect(new Set(results.map((r) => r.buildId))).toEqual(new Set([req.runId]));
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state, last.reason).toBe('succeeded');
    expect(await runner.start(req)).toEqual({ buildId: req.runId });
    // A second runner over the same folder (another handler module) sees the same build.
    const other = new LocalBuildRunner({ workDir, artifactsDir: join(workDir, '..', 'artifacts') });
    expect(await other.start(req)).toEqual({ buildId: req.runId });
    expect((await other.poll(req.runId, undefined)).state).toBe('succeeded');
    expect(lines.filter((l) => l.startsWith('▶ Clone'))).toHaveLength(1);
    expect(lines).toContain('Detected a static site: found index.html and no package.json');
    expect(lines).toContain('Static site: nothing to build, the files are served as they are');
    expect(lines).toContain('  FROM nginxinc/nginx-unprivileged:1.27-alpine');
    expect(lines.filter((l) => l.startsWith('▶ ')).map((l) => l.split(' ')[1])).toEqual([
      'Clone',
      'Detect',
      'Dockerfile',
      'Build',
      'Image:',
    ]);
  }, 30_000);

  it('never mistakes a build that ends between two looks for an abandoned one', async () => {
    const { runner } = newRunner();
    const requests = Array.from({ length: 6 }, () => request('static-site'));
    await Promise.all(requests.map((req) => runner.start(req)));
    const results = await Promise.all(requests.map((req) => pollToEnd(runner, req.runId, 0)));
    expect(results.map((r) => r.last.reason ?? r.last.state)).toEqual(requests.map(() => 'succeeded'));
  }, 30_000);

  it('fails with a reason naming the command, and runs commands without the control plane environment', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'do-not-leak';
    process.env.WHARF_SECRET = 'do-not-leak-either';
    try {
      const { runner, workDir } = newRunner();
      const req = request('broken-build');
      await runner.start(req);
      const { last, lines } = await pollToEnd(runner, req.runId);
      expect(last.state).toBe('failed');
      // The reason quotes the step's first error line; the cause is the user's command.
      expect(last.reason).toBe(
        'npm run build exited with code 1: error: something is wrong (in the build log below)',
      );
      expect(last.cause).toBe('command');
      expect(lines).toContain('compiling');
      expect(lines).toContain('control-plane-bin=false');
      expect(lines).toContain('error: something is wrong');
      expect(lines).toContainEqual(expect.stringMatching(/^AWS=none WHARF=none HOME=\S+ CI=true$/));
      // HOME is the build's own, outside the data folder the work folder belongs to.
      expect(lines.some((l) => l.includes(workDir))).toBe(false);
      expect(lines.at(-1)).toBe(
        '✖ Build failed: npm run build exited with code 1: error: something is wrong (in the build log below)',
      );
      expect(last.image).toBeUndefined();
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.WHARF_SECRET;
    }
  }, 30_000);

  it('cancels a running build and stops its processes', async () => {
    const { runner } = newRunner();
    const req = request('slow-build');
    await runner.start(req);
    let offset: string | undefined;
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      const progress = await runner.poll(req.runId, offset);
      offset = progress.nextOffset;
      const line = progress.lines.find((l) => l.startsWith('pid='));
      if (line) pid = Number(line.slice(4));
      else await sleep(50);
    }
    expect(pid).toBeGreaterThan(0);
    await runner.cancel(req.runId);
    const progress = await runner.poll(req.runId, offset);
    expect(progress.state).toBe('cancelled');
    expect(progress.reason).toBe('cancelled');
    expect(progress.lines.at(-1)).toBe('■ Build cancelled');
    expect(await exitsSoon(pid as number)).toBe(true);
    await runner.cancel(req.runId); // a repeat is harmless
  }, 30_000);

  it('fails a command that runs past the timeout', async () => {
    const { runner } = newRunner({ commandTimeoutMs: 2_000 });
    const req = request('slow-build');
    await runner.start(req);
    const { last } = await pollToEnd(runner, req.runId, 100);
    expect(last.state).toBe('failed');
    expect(last.reason).toBe('npm run build timed out after 2 s (in the build log below)');
  }, 30_000);

  it('says what to do when nothing in the repository is buildable, or the branch is missing', async () => {
    const { runner } = newRunner();
    const empty = request('empty');
    await runner.start(empty);
    const { last } = await pollToEnd(runner, empty.runId);
    expect(last.state).toBe('failed');
    expect(last.reason).toMatch(/^couldn't tell how to build the repository: .*add a Dockerfile$/);

    const noBranch = request('node-web', {
      repository: { url: join(reposDir, 'node-web.git'), branch: 'does-not-exist' },
    });
    await runner.start(noBranch);
    const { last: clone } = await pollToEnd(runner, noBranch.runId);
    expect(clone.state).toBe('failed');
    expect(clone.reason).toMatch(/has no branch "does-not-exist": .*does-not-exist/);
    expect(clone.cause).toBe('branch');
  }, 30_000);

  it("says a repository that does not exist is the repository's problem, quoting git", async () => {
    const { runner } = newRunner();
    const missing = request('node-web', {
      repository: { url: join(reposDir, 'no-such-repo.git'), branch: 'main' },
    });
    await runner.start(missing);
    const { last } = await pollToEnd(runner, missing.runId);
    expect(last.state).toBe('failed');
    expect(last.cause).toBe('source');
    expect(last.reason).toMatch(
      /^git could not clone .*: fatal: .*(does not exist|not found|not appear to be a git repository)/,
    );
  }, 30_000);

  it('refuses option-like and helper-transport input before running git', async () => {
    const { runner } = newRunner();
    for (const [overrides, reason] of [
      [{ repository: { url: '--upload-pack=touch /tmp/x', branch: 'main' } }, /repository URL/],
      [{ repository: { url: 'ext::sh -c touch% /tmp/x', branch: 'main' } }, /repository URL/],
      [{ repository: { url: join(reposDir, 'node-web.git'), branch: '--orphan' } }, /branch/],
      [{ commit: '-x' }, /commit id/],
    ] as const) {
      const req = request('node-web', overrides as Partial<BuildRequest>);
      await runner.start(req);
      const { last, lines } = await pollToEnd(runner, req.runId);
      expect(last.state).toBe('failed');
      expect(last.reason).toMatch(reason);
      expect(lines.some((l) => l.startsWith('▶ Clone'))).toBe(false);
    }
  }, 30_000);

  it('refuses a run id that cannot name a build folder with the shared InvalidBuildRequestError', async () => {
    const { runner } = newRunner();
    await expect(runner.start(request('node-web', { runId: '../escape' }))).rejects.toThrow(
      InvalidBuildRequestError,
    );
  });

  it('builds a given commit rather than the branch head', async () => {
    const bare = join(reposDir, 'node-web.git');
    const first = (await run('git', ['rev-parse', 'main'], { cwd: bare })).stdout.trim();
    const { runner } = newRunner();
    const req = request('node-web', { commit: first });
    await runner.start(req);
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state, last.reason).toBe('succeeded');
    expect(last.sourceCommit).toBe(first);
    expect(lines[0]).toBe(`▶ Clone ${bare} (main @ ${first})`);
  }, 60_000);

  it('builds each microservice from its folder into its own image', async () => {
    const { runner, artifactsDir } = newRunner();
    const req = request('two-services', {
      projectType: 'microservices',
      services: [
        { name: 'api', path: 'services/api', port: 8081 },
        { name: 'web', path: 'services/web', port: 8082 },
      ],
    });
    await runner.start(req);
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state, last.reason).toBe('succeeded');
    expect(Object.keys(last.images ?? {})).toEqual(['api', 'web']);
    expect(last.images?.api?.reference).toBe(`registry.local/wharf/w1/two-services/api:${req.runId}`);
    expect(last.image).toEqual(last.images?.api);
    expect(await readdir(join(artifactsDir, (last.images?.web?.digest ?? '').slice(7)))).toContain(
      'index.html',
    );
    expect(lines).toContain('▶ Detect framework — api (services/api)');
    expect(lines).toContain('  EXPOSE 8082');
    // Every service is built before any image, so the phase only moves forward.
    const firstImage = lines.findIndex((l) => l.startsWith('▶ Image'));
    expect(lines.findLastIndex((l) => l.startsWith('▶ Build'))).toBeLessThan(firstImage);

    const outside = request('two-services', {
      projectType: 'microservices',
      services: [{ name: 'api', path: '../../etc', port: 8081 }],
    });
    await runner.start(outside);
    const { last: refused } = await pollToEnd(runner, outside.runId);
    expect(refused.state).toBe('failed');
    expect(refused.reason).toMatch(/service api: the folder \.\.\/\.\.\/etc (is outside|does not exist)/);
  }, 30_000);

  it('detects a Maven service by its folder, builds the services in order, and says in words when Maven cannot download offline', async () => {
    // Where the tenant user can run it: the trees folder is open to it, the test's root is not.
    const bin = join(treeDir, 'fake-maven-bin');
    await mkdir(bin, { recursive: true });
    await chmod(bin, 0o755);
    await writeFile(
      join(bin, 'mvn'),
      [
        '#!/bin/sh',
        'echo "[INFO] Scanning for projects..."',
        'echo "[ERROR] Plugin org.apache.maven.plugins:maven-resources-plugin:3.3.1 or one of its dependencies could not be resolved: Could not transfer artifact org.apache.maven.plugins:maven-resources-plugin:pom:3.3.1 from/to central (https://repo.maven.apache.org/maven2): repo.maven.apache.org: Temporary failure in name resolution" >&2',
        'exit 1',
      ].join('\n'),
    );
    await chmod(join(bin, 'mvn'), 0o755);
    const { runner } = newRunner({ env: { PATH: `${bin}:${process.env.PATH}` } });
    const req = request('spring-offline', {
      projectType: 'microservices',
      services: [
        { name: 'gateway', path: 'gateway', port: 8080 },
        { name: 'orders', path: 'orders', port: 8080 },
      ],
    });
    await runner.start(req);
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state).toBe('failed');
    expect(lines).toContain('▶ Detect framework — orders (orders)');
    expect(
      lines.some((l) => l.startsWith('Detected a Spring Boot app built with Maven: found pom.xml')),
    ).toBe(true);
    // In order: the gateway's build step comes before the orders service's Maven build.
    expect(lines.findIndex((l) => l.startsWith('▶ Build — gateway'))).toBeLessThan(
      lines.findIndex((l) => l.startsWith('▶ Build — orders (orders): mvn -B package -DskipTests')),
    );
    expect(lines.join('\n')).toMatch(
      /\[wharf\] The Maven build had to download plugins or dependencies and this machine can't reach the repository/,
    );
    expect(last.reason).toMatch(/can't reach the repository.*JDK alone/);
  }, 30_000);

  it('builds and pushes with buildah when it is installed, using the digest buildah reports', async () => {
    const bin = join(root, 'fake-bin');
    await mkdir(bin, { recursive: true });
    const calls = join(bin, 'calls.txt');
    const digest = `sha256:${'ab'.repeat(32)}`;
    await writeFile(
      join(bin, 'buildah'),
      [
        '#!/bin/sh',
        `echo "$@" >> '${calls}'`,
        'if [ "$1" = bud ]; then echo "STEP 1/2: FROM node:24-alpine"; echo "COMMIT $7"; fi',
        'if [ "$1" = push ]; then',
        `  printf '%s' '${digest}' > "$3"`,
        '  echo "Writing manifest to image destination"',
        'fi',
      ].join('\n'),
    );
    await chmod(join(bin, 'buildah'), 0o755);
    const { runner, artifactsDir } = newRunner({
      registry: 'registry.local',
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    const req = request('static-site');
    await runner.start(req);
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state, last.reason).toBe('succeeded');
    const reference = `registry.local/wharf/w1/static-site:${req.runId}`;
    expect(last.image).toEqual({ reference, digest });
    expect(lines).toContain('STEP 1/2: FROM node:24-alpine');
    expect(lines).not.toContain(IMAGE_SKIPPED_LINE);
    const recorded = (await readFile(calls, 'utf8'))
      .trim()
      .split('\n')
      .filter((call) => !call.startsWith('inspect'));
    expect(recorded[0]).toBe(`bud --isolation chroot --storage-driver vfs -t ${reference} .`);
    expect(recorded[1]).toMatch(
      new RegExp(`^push --digestfile \\S+ --storage-driver vfs ${reference} docker://${reference}$`),
    );
    expect((await stat(join(artifactsDir, 'ab'.repeat(32), 'index.html'))).isFile()).toBe(true);
  }, 30_000);

  it('reports a build whose runner is gone as failed, and an unknown build as not found', async () => {
    const { runner, workDir } = newRunner();
    const req = request('node-web');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((done) => dead.once('exit', done));
    const dir = join(workDir, req.runId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'build.log'), `▶ Clone ${req.repository.url} (main)\n`);
    const now = new Date().toISOString();
    await writeRecord(dir, {
      buildId: req.runId,
      request: req,
      state: 'running',
      phase: 'build',
      createdAt: now,
      updatedAt: now,
      runner: { pid: dead.pid as number, heartbeatAt: now },
    });
    const progress = await runner.poll(req.runId, undefined);
    expect(progress.state).toBe('failed');
    expect(progress.reason).toBe(RUNNER_GONE_REASON);
    expect(progress.lines).toEqual([
      `▶ Clone ${req.repository.url} (main)`,
      `✖ Build failed: ${RUNNER_GONE_REASON}`,
    ]);
    // Starting it again is still the same (failed) build: a new deploy is a new run.
    expect(await runner.start(req)).toEqual({ buildId: req.runId });
    expect((await runner.poll(req.runId, progress.nextOffset)).state).toBe('failed');

    await expect(runner.poll('unknown-build', undefined)).rejects.toMatchObject({ name: 'BuildNotFound' });
    await expect(runner.poll('../etc', undefined)).rejects.toMatchObject({ name: 'BuildNotFound' });
    await expect(runner.cancel('unknown-build')).rejects.toMatchObject({ name: 'BuildNotFound' });
  });
  it("keeps a build away from the platform's files, variables and paths", async () => {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    for (const name of ['secrets.json', 'oidc-keys.json', 'webhook-secret', 'stack.json']) {
      await writeFile(join(dataDir, name), '{"secret":"platform-only"}', { mode: 0o600 });
    }
    const platformEnv = {
      WHARF_SECRETS_FILE: join(dataDir, 'secrets.json'),
      WHARF_DATA_DIR: dataDir,
      WHARF_JENKINS_TOKEN: 'jenkins-token',
      AWS_ACCESS_KEY_ID: 'local',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
    };
    Object.assign(process.env, platformEnv);
    try {
      const runner = new LocalBuildRunner({
        workDir: join(dataDir, 'builds'),
        artifactsDir: join(dataDir, 'artifacts'),
        treeDir,
      });
      const req = request('nosy-build');
      await runner.start(req);
      const { last, lines } = await pollToEnd(runner, req.runId);
      expect(last.state, last.reason).toBe('succeeded');
      const probe = Object.fromEntries(
        lines
          .filter((l) => l.startsWith('probe '))
          .map((l) => l.slice('probe '.length).split(': ') as [string, string]),
      );
      expect(probe).toMatchObject({
        env: 'clean',
        'platform paths': 'none',
        'cwd in data dir': 'false',
        upwards: 'none',
      });
      if (tenantUser()) {
        // Running as root with setpriv here: the build runs as nobody and the data folder is closed to it.
        for (const name of ['secrets.json', 'oidc-keys.json', 'webhook-secret', 'stack.json']) {
          expect(probe[name], name).toBe('EACCES');
        }
      }
      // The log names no folder of the platform.
      expect(lines.filter((l) => l.includes(dataDir))).toEqual([]);
    } finally {
      for (const name of Object.keys(platformEnv)) delete process.env[name];
    }
  }, 30_000);

  it('names no server path when the build stops on an unexpected error', async () => {
    const dir = join(root, `runner-${++counter}`);
    await mkdir(dir, { recursive: true });
    // A file where the artifacts folder should be: storing the built files fails with a file system error.
    await writeFile(join(dir, 'artifacts'), '');
    const runner = new LocalBuildRunner({
      workDir: join(dir, 'builds'),
      artifactsDir: join(dir, 'artifacts'),
      treeDir,
    });
    const req = request('static-site');
    await runner.start(req);
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state).toBe('failed');
    expect(last.reason).toMatch(/^the build stopped on an unexpected error \(.+\); deploy again$/);
    expect(last.reason).not.toContain(dir);
    expect(lines.filter((l) => l.includes(dir))).toEqual([]);
  }, 30_000);

  it('with buildah present but no way to pull the base image, skips the image in one line and still succeeds', async () => {
    const bin = join(root, 'offline-bin');
    await mkdir(bin, { recursive: true });
    const calls = join(bin, 'calls.txt');
    // buildah on a machine without network: every image it does not have is pulled, and that fails.
    await writeFile(
      join(bin, 'buildah'),
      [
        '#!/bin/sh',
        `echo "$@" >> '${calls}'`,
        'case "$1" in',
        '  inspect|images) echo "Error: node:24-alpine: image not known" >&2; exit 125 ;;',
        'esac',
        'echo "STEP 1/2: FROM node:24-alpine AS build"',
        'echo "Resolved "node" as an alias (/etc/containers/registries.conf.d/shortnames.conf)"',
        'echo "Trying to pull docker.io/library/node:24-alpine..."',
        'echo "Error: creating build container: initializing source docker://node:24-alpine: pinging container registry registry-1.docker.io: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: no such host" >&2',
        'exit 125',
      ].join('\n'),
    );
    await chmod(join(bin, 'buildah'), 0o755);
    const { runner, artifactsDir } = newRunner({ env: { PATH: `${bin}:${process.env.PATH}` } });
    const req = request('node-web', { repository: { url: `${gitBase}/node-web.git`, branch: 'main' } });
    await runner.start(req);
    const { last, lines } = await pollToEnd(runner, req.runId);
    expect(last.state, last.reason).toBe('succeeded');
    const why = lines.filter((l) => l.startsWith('Image step skipped'));
    expect(why).toEqual([
      'Image step skipped: the base image node:24-alpine is not in the local image store and nothing is pulled during a build; running the built files as a process (process mode).',
    ]);
    expect(lines.some((l) => l.includes('registry-1.docker.io'))).toBe(false);
    expect((await readFile(calls, 'utf8')).split('\n').filter((l) => l.startsWith('bud'))).toEqual([]);
    const hex = (last.image?.digest ?? '').slice('sha256:'.length);
    expect((await stat(join(artifactsDir, hex, 'server.js'))).isFile()).toBe(true);
  }, 30_000);
});

describe('rewriteFrom', () => {
  it('points each FROM at its resolved image, keeping flags, stages and other lines', () => {
    const dockerfile =
      'FROM --platform=linux/amd64 node:24-alpine AS build\nRUN echo FROM node:24-alpine\nFROM build\nfrom nginx\n';
    const images = new Map([
      ['node:24-alpine', 'r:1/wharf/base/node:18'],
      ['nginx', 'r:1/wharf/base/nginx:1.22'],
    ]);
    expect(rewriteFrom(dockerfile, images)).toBe(
      'FROM --platform=linux/amd64 r:1/wharf/base/node:18 AS build\nRUN echo FROM node:24-alpine\nFROM build\nfrom r:1/wharf/base/nginx:1.22\n',
    );
  });
});

const missingTools = await missingContainerTools();

describe.skipIf(missingTools.length > 0)(
  `LocalBuildRunner in container mode${missingTools.length ? ` (skipped: ${missingTools.join(', ')} not installed)` : ''}`,
  () => {
    let containerDir: string;
    let registry: LocalRegistry | undefined;
    let env: Record<string, string> | undefined;
    beforeAll(async () => {
      containerDir = await mkdtemp(join(tmpdir(), 'wharf-runner-containers-'));
      registry = await startRegistry({ dataDir: containerDir });
      ({ env } = await containerEnvironment(containerDir, { registry: registry.host }));
    });
    afterAll(async () => {
      await registry?.stop();
      if (env)
        await run('buildah', ['rmi', '-a', '-f'], { env: { ...process.env, ...env } }).catch(() => undefined);
      await rm(containerDir, { recursive: true, force: true });
    });

    it('builds the node-web sample with buildah, pushes it, and records the registry’s digest', async () => {
      const host = (registry as LocalRegistry).host;
      const containerEnv = env as Record<string, string>;
      const bases = new BaseImages({
        dataDir: containerDir,
        registry: host,
        env: containerEnv,
        dockerHub: () => Promise.resolve(false),
      });
      const { runner, artifactsDir } = newRunner({
        containers: { env: containerEnv, registry: host, resolveImage: bases.resolveBaseImage },
      });
      const req = request('node-web', { repository: { url: `${gitBase}/node-web.git`, branch: 'main' } });
      const started = Date.now();
      await runner.start(req);
      const { last, lines } = await pollToEnd(runner, req.runId, 250);
      console.log(`container build with first seeding: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(last.state, `${last.reason}\n${lines.slice(-15).join('\n')}`).toBe('succeeded');
      const reference = `${host}/wharf/w1/node-web:${req.runId}`;
      expect(last.image?.reference).toBe(reference);
      // Seeded at first need (or loaded from this machine's cache, when another test file seeded it
      // first), named in the log, then used for the generated Dockerfile's FROM lines.
      expect(
        lines.filter(
          (l) =>
            l === 'Seeding base image node from Debian packages (first time only, ~1 min)' ||
            /^Loaded base image node from this machine's base image cache in [\d.]+ s$/.test(l),
        ),
      ).toHaveLength(1);
      expect(lines).toContain(
        `Using the local base image ${host}/wharf/base/node:18 for node:24-alpine (Docker Hub is not reachable from here)`,
      );
      // Every build step of the Dockerfile, then the push, then the digest.
      // Multi-stage: buildah prefixes each stage's steps with `[stage/stages]`.
      const steps = lines.filter((l) => /^(\[\d+\/\d+\] )?STEP \d+\/\d+: /.test(l));
      expect(
        steps.some((l) => l.endsWith('RUN npm run build')),
        steps.join('\n'),
      ).toBe(true);
      expect(
        steps.some((l) => l.endsWith(`FROM ${host}/wharf/base/node:18 AS build`)),
        steps.join('\n'),
      ).toBe(true);
      expect(lines).toContain(`Pushing ${reference}`);
      const digest = await manifestDigest((registry as LocalRegistry).url, 'wharf/w1/node-web', req.runId);
      expect(last.image?.digest).toBe(digest);
      expect(lines).toContain(`Pushed ${reference}@${digest}`);
      expect(lines).toContain(`Image ${reference} digest ${digest} (the registry's manifest digest)`);
      expect(await catalog((registry as LocalRegistry).url)).toContain('wharf/w1/node-web');
      // Nothing was built on this machine: the Dockerfile's RUN steps built it in the image.
      expect(lines).not.toContain('▶ Build: npm run build');
      await expect(stat(artifactsDir)).rejects.toThrow();

      const byDigest = `docker://${host}/wharf/w1/node-web@${digest}`;
      const { stdout } = await run(
        'skopeo',
        ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', byDigest],
        {
          env: { ...process.env, ...containerEnv },
        },
      );
      expect(stdout.trim()).toBe(digest);
      // The image holds what the build step made.
      const { stdout: version } = await run(
        'podman',
        ['run', '--rm', `${host}/wharf/w1/node-web@${digest}`, 'cat', '/app/dist/version.txt'],
        { env: { ...process.env, ...containerEnv } },
      );
      expect(version).toMatch(/^1\.0\.0 built /);
    }, 175_000);
  },
);
