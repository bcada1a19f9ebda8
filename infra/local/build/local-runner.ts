import { constants, rmSync } from 'node:fs';
import { access, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidBuildRequestError } from '../../../shared/build-parameters.ts';
import { commitInfo } from '../../../shared/commit-info.ts';
import type { ImageRef } from '../../../shared/deploy.ts';
import type { BuildProgress, BuildRequest, BuildService } from '../../../shared/deploy-ports.ts';
import { branchSchema, commitShaSchema } from '../../../shared/schemas/common.ts';
import { BUILD_IMAGE_SCRIPT, splitReference } from '../containers/base-images.ts';
import { manifestDigest } from '../containers/registry.ts';
import { asTenant, giveToTenant, tenantPath, tenantRoot } from '../tenant-sandbox.ts';
import { BuildLogWriter, readLogLines } from './build-log.ts';
import { type BuildRecord, isTerminal, logFile, readRecord, writeRecord } from './build-state.ts';
import { contentDigest, storeArtifact } from './content-digest.ts';
import { type Detection, detectFramework, hasDependencies, hasScript } from './detect.ts';
import { DEFAULT_PORTS, GENERATED_DOCKERIGNORE, generateDockerfile } from './dockerfiles.ts';
import { jvmDownloadHint } from './offline-hint.ts';
import { BuildCancelled, BuildFailure, type CommandSpec, runCommand } from './run-command.ts';

export interface LocalBuildRunnerOptions {
  /** Where each build gets a folder (`<workDir>/<buildId>/`: state.json, build.log, src/), e.g. .wharf/builds. */
  workDir: string;
  /** Where built app folders are kept by digest (`<artifactsDir>/<hex>/`), e.g. .wharf/artifacts. */
  artifactsDir: string;
  /** Registry to push images to (only with buildah installed); without it images stay local. */
  registry?: string | undefined;
  /** Upper bound for each command (clone, install, build, image); default 15 minutes. */
  commandTimeoutMs?: number | undefined;
  /** Extra environment for the build commands (registry mirrors, proxies…). */
  env?: Record<string, string> | undefined;
  /**
   * Where the builds' working trees and caches go: never inside the data folder, which tenant code
   * must not see. Default: a new folder under the system's temporary folder.
   */
  treeDir?: string | undefined;
  /**
   * Container mode: build the Dockerfile with buildah (infra/build/build-image.sh, as Jenkins does)
   * and push it to the local registry. Without it (the tools are missing), process mode: the app is
   * built on this machine and a content digest of the built files names it.
   */
  containers?: RunnerContainers | undefined;
}

export interface RunnerContainers {
  /** The stack's container environment (containerEnvironment(...).env). */
  env: Record<string, string>;
  /** The local registry's `host:port`. */
  registry: string;
  /** The image a Dockerfile's `FROM` should use (a local base image where Docker Hub is out of reach). */
  resolveImage(reference: string, log?: (line: string) => void): Promise<string>;
}

export const RUNNER_GONE_REASON = 'the local runner stopped during the build; deploy again';
export const IMAGE_SKIPPED_LINE =
  'Image step skipped: buildah is not installed here (apt-get install buildah to build OCI images locally); recording a content digest of the built files instead.';

const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const HEARTBEAT_MS = 10_000;
/** A runner in another process that hasn't written for this long is taken to be gone. */
const STALE_AFTER_MS = 3 * HEARTBEAT_MS;
/** Bounds one poll's answer, so it fits in a workflow state and a WebSocket frame. */
const MAX_POLL_BYTES = 128 * 1024;
/** Step Functions execution names: the run id becomes a folder name and an image tag. */
const BUILD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const SERVICE_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/**
 * Variables that describe the machine's network trust (proxies, CA bundles), not the control plane,
 * so builds here reach registries the way the rest of the machine does.
 */
const NETWORK_VARIABLES = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'GIT_SSL_CAINFO',
];

export class BuildNotFoundError extends Error {
  constructor(buildId: string) {
    super(`build ${buildId} not found`);
    this.name = 'BuildNotFound';
  }
}

/** One piece of the repository that becomes one image: the whole repo, or a microservice's folder. */
interface BuildUnit {
  /** `app` for a monolith, the service name for microservices. */
  name: string;
  /** Added to stage headers for microservices, e.g. ` — api (services/api)`. */
  label: string;
  /** The folder as the request names it (`.` for a monolith). */
  path: string;
  dir: string;
  port: number | undefined;
  imageRepository: string;
  detection?: Detection;
}

/** A build this process is running. */
class ActiveBuild {
  readonly controller = new AbortController();
  readonly log: BuildLogWriter;
  done: Promise<void> = Promise.resolve();
  /** Process group of the command running now. */
  commandPid: number | undefined;
  /** The build's working tree (`src/`, `home/`), outside the data folder; set once it exists. */
  tree: string | undefined;
  /** The commands' environment, set with the tree. */
  env: Record<string, string> = { PATH: tenantPath() };
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    public record: BuildRecord,
  ) {
    this.log = new BuildLogWriter(logFile(dir));
  }

  get signal() {
    return this.controller.signal;
  }

  /**
   * Applies a change and writes state.json, one write at a time. Reads the file first: if another
   * process has already ended the build (a cancel from there), that outcome stands and this run stops.
   */
  save(patch: Partial<BuildRecord>): Promise<void> {
    const next = this.saving.then(async () => {
      if (isTerminal(this.record.state)) return;
      const onDisk = await readRecord(this.dir);
      if (onDisk && isTerminal(onDisk.state)) {
        this.record = onDisk;
        this.controller.abort();
        return;
      }
      const now = new Date().toISOString();
      this.record = {
        ...this.record,
        ...patch,
        updatedAt: now,
        runner: { pid: process.pid, heartbeatAt: now },
      };
      await writeRecord(this.dir, this.record);
    });
    this.saving = next.catch(() => undefined);
    return next;
  }

  throwIfCancelled(): void {
    if (this.signal.aborted) throw new BuildCancelled();
  }
}

/**
 * Builds in this process, by build folder. Module-wide because the local stack creates one runner per
 * handler module (start in one, poll and cancel in others) and they must see the same builds.
 */
const running = new Map<string, ActiveBuild>();

let exitHookInstalled = false;
/** Commands run in their own process groups, which would outlive this process; they go with it. */
function stopCommandsOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const build of running.values()) {
      if (build.commandPid === undefined) continue;
      try {
        process.kill(-build.commandPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Output of buildah when it tried to pull and could not reach a registry. */
const PULL_FAILED =
  /pinging container registry|initializing source docker:|no such host|dial tcp|Trying to pull/;

const LOCAL_BASES = 'node, nginx, postgres, mariadb/mysql, redis, eclipse-temurin, debian';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A message without the server's folders: paths in the project's checkout become relative to it,
 * any other path under one of `hidden` is left out.
 */
function withoutServerPaths(text: string, project: string | undefined, hidden: readonly string[]): string {
  let result = text;
  if (project) {
    result = result.replace(new RegExp(`${escapeRegExp(project)}(/[^\\s'"]*)?`, 'g'), (_m, rest?: string) =>
      rest ? rest.slice(1) || '.' : '.',
    );
  }
  for (const dir of [...hidden].sort((a, b) => b.length - a.length)) {
    result = result.replace(new RegExp(`${escapeRegExp(dir)}[^\\s'"]*`, 'g'), '(a platform folder)');
  }
  return result;
}

/** The images a Dockerfile builds FROM (not `scratch`, not its own stages); undefined for one set by a build argument. */
export function baseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match?.[1]) continue;
    const image = match[1];
    if (image !== 'scratch' && !stages.has(image.toLowerCase()) && !bases.includes(image)) bases.push(image);
    if (match[2]) stages.add(match[2].toLowerCase());
  }
  return bases;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The repository in the local registry: `<registry>/wharf/<workspace>/<project>` whatever registry host
 * the request named (the control plane names Harbor's).
 */
function inRegistry(repository: string, registry: string): string {
  if (repository.startsWith(`${registry}/`)) return repository;
  const [first = '', ...rest] = repository.split('/');
  const path = /[.:]/.test(first) || first === 'localhost' ? rest.join('/') : repository;
  return `${registry}/${path}`;
}

/** The Dockerfile with each `FROM <image>` replaced by the image it resolves to (stages and flags kept). */
export function rewriteFrom(dockerfile: string, images: ReadonlyMap<string, string>): string {
  return dockerfile
    .split('\n')
    .map((line) =>
      line.replace(/^(\s*FROM\s+(?:--\S+\s+)*)(\S+)/i, (whole, head: string, image: string) => {
        const to = images.get(image);
        return to ? `${head}${to}` : whole;
      }),
    )
    .join('\n');
}

/** Hides credentials in a URL before it is logged. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Repository locations git may clone from here: http(s), ssh, git, file URLs, scp-like, absolute paths. */
function checkRepositoryUrl(url: string): void {
  const ok =
    !url.startsWith('-') &&
    !/[\s\0]/.test(url) &&
    // `<transport>::<address>` would hand the URL to a remote helper (ext:: runs commands).
    !url.includes('::') &&
    (/^(https?|ssh|git|file):\/\/[^/]/.test(url) ||
      url.startsWith('file:///') ||
      /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]/.test(url) ||
      isAbsolute(url));
  if (!ok) {
    throw new BuildFailure(
      `the repository URL "${url}" is not one git can clone here; use an https:// URL such as https://github.com/org/repo.git`,
      'source',
    );
  }
}

function checkRequest(request: BuildRequest): void {
  checkRepositoryUrl(request.repository.url);
  if (!branchSchema.safeParse(request.repository.branch).success) {
    throw new BuildFailure(
      `the branch "${request.repository.branch}" is not a valid git branch name`,
      'branch',
    );
  }
  if (request.commit !== undefined && !commitShaSchema.safeParse(request.commit).success) {
    throw new BuildFailure(`"${request.commit}" is not a git commit id (7 to 40 lowercase hex characters)`);
  }
  if (!/^[a-z0-9][a-z0-9._/:-]*$/.test(request.imageRepository)) {
    throw new BuildFailure(`the image repository "${request.imageRepository}" is not a valid image name`);
  }
  for (const service of request.services ?? []) {
    if (!SERVICE_NAME_PATTERN.test(service.name)) {
      throw new BuildFailure(`the service name "${service.name}" must be lowercase letters, digits and '-'`);
    }
  }
}

async function onPath(command: string, path: string | undefined): Promise<boolean> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The local stack's build service: runs the same stages as the Jenkins pipeline on this machine —
 * clone, detect the framework, write a Dockerfile when there is none, install and build, then build
 * and push an image with buildah (or, without buildah, record a content digest of the built files).
 * Every line the commands print goes to `<workDir>/<buildId>/build.log` as it is printed; state.json
 * next to it lets `poll` answer after a restart. The built folder is kept under
 * `<artifactsDir>/<hex>/` so the local reconciler can run exactly what was built.
 */
export class LocalBuildRunner implements BuildService {
  private readonly workDir: string;
  private readonly artifactsDir: string;
  private readonly registry: string | undefined;
  private readonly timeoutMs: number;
  private readonly extraEnv: Record<string, string>;
  private readonly treeDir: string;
  private readonly containers: RunnerContainers | undefined;
  private treeRoot: Promise<string> | undefined;

  constructor(options: LocalBuildRunnerOptions) {
    this.workDir = resolve(options.workDir);
    this.artifactsDir = resolve(options.artifactsDir);
    this.registry = options.registry?.replace(/\/+$/, '') || undefined;
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.extraEnv = options.env ?? {};
    this.treeDir = resolve(options.treeDir ?? tmpdir());
    this.containers = options.containers;
  }

  /** This runner's folder of working trees and caches (made once, only its owner can list it). */
  private trees(): Promise<string> {
    this.treeRoot ??= tenantRoot(this.treeDir, 'wharf-builds-').then(async (root) => {
      // Working trees and caches go with this process (builds it ran can't be resumed anyway).
      process.once('exit', () => rmSync(root, { recursive: true, force: true }));
      const cache = join(root, 'cache');
      await mkdir(cache, { mode: 0o700 });
      await giveToTenant(cache);
      return root;
    });
    return this.treeRoot;
  }

  async start(request: BuildRequest): Promise<{ buildId: string }> {
    const buildId = request.runId;
    if (!BUILD_ID_PATTERN.test(buildId)) {
      throw new InvalidBuildRequestError(
        `run id "${buildId}" must be 1 to 128 letters, digits, '-' or '_', starting with a letter or digit`,
      );
    }
    const dir = join(this.workDir, buildId);
    if (running.has(dir)) return { buildId };
    await mkdir(this.workDir, { recursive: true });
    try {
      // Creating the folder is the claim: whoever creates it runs the build, any other start is a repeat.
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { buildId };
      throw error;
    }
    const now = new Date().toISOString();
    const record: BuildRecord = {
      buildId,
      request,
      state: 'queued',
      phase: 'build',
      createdAt: now,
      updatedAt: now,
      runner: { pid: process.pid, heartbeatAt: now },
    };
    const build = new ActiveBuild(dir, record);
    running.set(dir, build);
    stopCommandsOnExit();
    try {
      await writeRecord(dir, record);
    } catch (error) {
      running.delete(dir);
      throw error;
    }
    build.done = this.runPipeline(build);
    return { buildId };
  }

  async poll(buildId: string, offset: string | undefined): Promise<BuildProgress> {
    const dir = this.buildDir(buildId);
    const from = offset === undefined || offset === '' ? 0 : Number(offset);
    if (!Number.isSafeInteger(from) || from < 0) throw new Error(`offset "${offset}" is not a log offset`);
    // Whether this process runs it, asked before and after reading: a build that ends in between has
    // written its final state before leaving the map, so the read sees it.
    const activeBefore = running.has(dir);
    // State before log: once a poll sees a final state, every line is already in the file.
    let record = await readRecord(dir);
    const active = activeBefore || running.has(dir);
    if (!record) {
      if (active) return { state: 'queued', phase: 'build', lines: [], nextOffset: String(from) };
      if (await this.exists(dir)) {
        return {
          state: 'failed',
          phase: 'build',
          lines: [],
          nextOffset: String(from),
          reason: RUNNER_GONE_REASON,
        };
      }
      throw new BuildNotFoundError(buildId);
    }
    if (!isTerminal(record.state) && !active && !this.runsElsewhere(record)) {
      record = await this.markRunnerGone(dir, record);
    }
    const slice = await readLogLines(logFile(dir), from, MAX_POLL_BYTES);
    // A final state is reported with the last lines, so a caller that stops polling on it misses none.
    const state = isTerminal(record.state) && slice.more ? 'running' : record.state;
    const final = isTerminal(state);
    return {
      state,
      phase: record.phase,
      lines: slice.lines,
      nextOffset: String(slice.nextOffset),
      image: final ? record.image : undefined,
      images: final ? record.images : undefined,
      sourceCommit: record.sourceCommit,
      commit: record.commit,
      reason: final ? record.reason : undefined,
      cause: final && record.state === 'failed' ? record.cause : undefined,
    };
  }

  async cancel(buildId: string): Promise<void> {
    const dir = this.buildDir(buildId);
    const active = running.get(dir);
    if (active) {
      active.controller.abort();
      await active.done;
      return;
    }
    const record = await readRecord(dir);
    if (!record) throw new BuildNotFoundError(buildId);
    if (isTerminal(record.state)) return;
    // Running in another process: stop its command there; that runner sees the final state and stops.
    if (record.commandPid && record.runner.pid !== process.pid && isAlive(record.runner.pid)) {
      try {
        process.kill(-record.commandPid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await this.endFromOutside(dir, record, 'cancelled', 'cancelled', '■ Build cancelled');
  }

  private buildDir(buildId: string): string {
    if (!BUILD_ID_PATTERN.test(buildId)) throw new BuildNotFoundError(buildId);
    return join(this.workDir, buildId);
  }

  private exists(path: string) {
    return access(path).then(
      () => true,
      () => false,
    );
  }

  /** Another live process runs this build and has said so recently. */
  private runsElsewhere(record: BuildRecord): boolean {
    if (record.runner.pid === process.pid) return false;
    const quietFor = Date.now() - Date.parse(record.runner.heartbeatAt);
    return isAlive(record.runner.pid) && quietFor < STALE_AFTER_MS;
  }

  private markRunnerGone(dir: string, record: BuildRecord): Promise<BuildRecord> {
    return this.endFromOutside(
      dir,
      record,
      'failed',
      RUNNER_GONE_REASON,
      `✖ Build failed: ${RUNNER_GONE_REASON}`,
    );
  }

  /** Ends a build this process isn't running: a last log line, then the final state. */
  private async endFromOutside(
    dir: string,
    record: BuildRecord,
    state: 'failed' | 'cancelled',
    reason: string,
    line: string,
  ): Promise<BuildRecord> {
    // Read again: the build may have ended (or been claimed by a runner here) since the caller looked.
    const current = (await readRecord(dir)) ?? record;
    if (isTerminal(current.state) || running.has(dir)) return current;
    const log = new BuildLogWriter(logFile(dir));
    log.line(line);
    await log.close();
    const now = new Date().toISOString();
    const ended: BuildRecord = {
      ...current,
      state,
      reason,
      updatedAt: now,
      finishedAt: now,
      commandPid: undefined,
    };
    await writeRecord(dir, ended);
    return ended;
  }

  /**
   * Only what a build needs: never the control plane's own variables (cloud credentials, tokens)
   * nor a path into the data folder.
   */
  private commandEnv(tree: string, cache: string): Record<string, string> {
    const env: Record<string, string> = {
      PATH: tenantPath(),
      HOME: join(tree, 'home'),
      LANG: process.env.LANG ?? 'C.UTF-8',
      CI: 'true',
      npm_config_cache: join(cache, 'npm'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      GRADLE_USER_HOME: join(cache, 'gradle'),
      // A private repository must fail, not wait for a password nobody will type.
      GIT_TERMINAL_PROMPT: '0',
    };
    for (const name of NETWORK_VARIABLES) {
      const value = process.env[name];
      if (value) env[name] = value;
    }
    return { ...env, ...this.extraEnv };
  }

  private exec(
    build: ActiveBuild,
    spec: Pick<CommandSpec, 'display' | 'command' | 'args' | 'cwd'> & {
      quiet?: boolean;
      captureStdout?: boolean;
      env?: Record<string, string>;
      /** The command runs the repository's code (install and build scripts): as the tenant user. */
      tenant?: boolean;
      /** Also collects the lines it prints. */
      seen?: string[];
    },
  ): Promise<{ stdout: string }> {
    const { command, args } = spec.tenant
      ? asTenant(spec.command, spec.args)
      : { command: spec.command, args: spec.args };
    const result = runCommand({
      display: spec.display,
      command,
      args,
      cwd: spec.cwd,
      env: { ...build.env, ...spec.env },
      timeoutMs: this.timeoutMs,
      signal: build.signal,
      captureStdout: spec.captureStdout,
      onLine: spec.quiet
        ? undefined
        : (line) => {
            spec.seen?.push(line);
            build.log.line(line);
          },
      onSpawn: (pid) => {
        build.commandPid = pid;
        if (!spec.quiet) void build.save({ commandPid: pid }).catch(() => undefined);
      },
    });
    return result.finally(() => {
      build.commandPid = undefined;
    });
  }

  private async runPipeline(build: ActiveBuild): Promise<void> {
    const startedAt = Date.now();
    const heartbeat = setInterval(() => void build.save({}).catch(() => undefined), HEARTBEAT_MS);
    heartbeat.unref();
    let src: string | undefined;
    try {
      await build.save({ state: 'running' });
      const { request } = build.record;
      checkRequest(request);
      // The working tree lives outside the data folder, so nothing the build runs finds the platform's files.
      const root = await this.trees();
      const tree = join(root, build.record.buildId);
      await rm(tree, { recursive: true, force: true });
      await mkdir(join(tree, 'home'), { recursive: true, mode: 0o700 });
      build.tree = tree;
      build.env = this.commandEnv(tree, join(root, 'cache'));
      src = join(tree, 'src');
      await this.clone(build, src);
      // Cloned by the platform, built by the tenant: from here on the tree is the tenant user's.
      await giveToTenant(tree);
      const units = await this.units(request, src);
      for (const unit of units) await this.prepare(build, unit);
      build.throwIfCancelled();
      await build.save({ phase: 'push' });
      const images: Record<string, ImageRef> = {};
      for (const unit of units) images[unit.name] = await this.image(build, unit);
      const entry = units[0] ? images[units[0].name] : undefined;
      build.log.line(
        `✔ Build succeeded in ${seconds(Date.now() - startedAt)}: ${entry?.reference} (${entry?.digest})`,
      );
      await this.finish(build, {
        state: 'succeeded',
        image: entry,
        images: request.services?.length ? images : undefined,
      });
    } catch (error) {
      const onDisk = await readRecord(build.dir).catch(() => undefined);
      if (onDisk && isTerminal(onDisk.state)) {
        // Ended from another process (a cancel there): its outcome and last line stand.
        build.record = onDisk;
      } else if (error instanceof BuildCancelled || build.signal.aborted) {
        build.log.line('■ Build cancelled');
        await this.finish(build, { state: 'cancelled', reason: 'cancelled' });
      } else {
        const reason = withoutServerPaths(
          error instanceof BuildFailure
            ? error.message
            : `the build stopped on an unexpected error (${errorMessage(error)}); deploy again`,
          src,
          [this.workDir, this.artifactsDir, ...(build.tree ? [dirname(build.tree)] : [])],
        );
        build.log.line(`✖ Build failed: ${reason}`);
        // An error that is not a BuildFailure is the runner's own: not the user's code.
        const cause = error instanceof BuildFailure ? error.kind : 'platform';
        await this.finish(build, { state: 'failed', reason, cause });
      }
    } finally {
      clearInterval(heartbeat);
      await build.log.close().catch(() => undefined);
      running.delete(build.dir);
      // The built files live on under artifactsDir; the checkout (with node_modules) is not needed.
      if (build.tree) await rm(build.tree, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * The checkout goes first (the built files live on under artifactsDir), then the log, then the
   * state: a poll that sees the final state finds every line in the file and no checkout left.
   */
  private async finish(build: ActiveBuild, outcome: Partial<BuildRecord>): Promise<void> {
    if (build.tree) await rm(build.tree, { recursive: true, force: true }).catch(() => undefined);
    await build.log.flush().catch(() => undefined);
    await build.save({ ...outcome, commandPid: undefined, finishedAt: new Date().toISOString() });
  }

  private async clone(build: ActiveBuild, src: string): Promise<void> {
    const { repository, commit } = build.record.request;
    const url = redactUrl(repository.url);
    build.log.line(`▶ Clone ${url} (${repository.branch}${commit ? ` @ ${commit}` : ''})`);
    try {
      await this.exec(build, {
        display: 'git clone',
        command: 'git',
        args: [
          '-c',
          'protocol.ext.allow=never',
          'clone',
          '--depth',
          '50',
          '--branch',
          repository.branch,
          '--',
          // A local path as a file:// URL, so git honours --depth instead of warning about it.
          isAbsolute(repository.url) ? pathToFileURL(repository.url).href : repository.url,
          'src',
        ],
        cwd: dirname(src),
      });
    } catch (error) {
      if (error instanceof BuildFailure && error.message.includes('exited with code')) {
        // git's own words say which: no such repository or host, no such branch, or (rarely) the disk.
        const cause = error.kind === 'command' ? 'source' : error.kind;
        const what =
          cause === 'branch'
            ? `the repository ${url} has no branch "${repository.branch}"`
            : `git could not clone ${url}`;
        throw new BuildFailure(
          `${what}${error.firstError ? `: ${error.firstError}` : ''}`,
          cause,
          error.firstError,
        );
      }
      throw error;
    }
    if (commit) {
      const present = await this.exec(build, {
        display: 'git cat-file',
        command: 'git',
        args: ['cat-file', '-e', `${commit}^{commit}`],
        cwd: src,
        quiet: true,
      }).then(
        () => true,
        (error) => {
          if (error instanceof BuildCancelled) throw error;
          return false;
        },
      );
      try {
        if (!present) {
          await this.exec(build, {
            display: 'git fetch',
            command: 'git',
            args: ['fetch', '--depth', '50', 'origin', commit],
            cwd: src,
          });
        }
        await this.exec(build, {
          display: `git checkout ${commit}`,
          command: 'git',
          args: ['-c', 'advice.detachedHead=false', 'checkout', '--detach', commit],
          cwd: src,
        });
      } catch (error) {
        if (error instanceof BuildFailure && error.message.includes('exited with code')) {
          throw new BuildFailure(
            `commit ${commit} was not found in ${url}${error.firstError ? `: ${error.firstError}` : ''}`,
            error.kind === 'platform' ? 'platform' : 'source',
          );
        }
        throw error;
      }
    }
    const { stdout } = await this.exec(build, {
      display: 'git log',
      command: 'git',
      args: ['log', '-1', '--format=%H%n%an%n%s'],
      cwd: src,
      quiet: true,
      captureStdout: true,
    });
    const [sha = '', author = '', subject = ''] = stdout.split('\n');
    build.log.line(`Checked out ${sha.slice(0, 12)}: ${subject} (${author})`);
    await build.save({ sourceCommit: sha.trim(), commit: commitInfo(sha.trim(), subject, author) });
  }

  /** The folders to build: the repository, or each microservice's folder (which must be inside it). */
  private async units(request: BuildRequest, src: string): Promise<BuildUnit[]> {
    if (!request.services?.length) {
      return [
        {
          name: 'app',
          label: '',
          path: '.',
          dir: src,
          port: request.port,
          imageRepository: request.imageRepository,
        },
      ];
    }
    const root = await realpath(src);
    const units: BuildUnit[] = [];
    for (const service of request.services) {
      const label = ` — ${service.name} (${service.path})`;
      const wanted = resolve(root, service.path);
      let dir: string;
      try {
        dir = await realpath(wanted);
      } catch {
        throw new BuildFailure(
          `service ${service.name}: the folder ${service.path} does not exist in the repository`,
        );
      }
      if (dir !== root && !dir.startsWith(`${root}${sep}`)) {
        throw new BuildFailure(
          `service ${service.name}: the folder ${service.path} is outside the repository`,
        );
      }
      units.push({
        name: service.name,
        label,
        path: service.path,
        dir,
        port: service.port,
        imageRepository: `${request.imageRepository}/${service.name}`,
      });
    }
    return units;
  }

  /** Detect, Dockerfile, install and build for one folder. */
  private async prepare(build: ActiveBuild, unit: BuildUnit): Promise<void> {
    build.throwIfCancelled();
    const where = unit.label ? `the folder ${unit.path}` : 'the repository';
    build.log.line(`▶ Detect framework${unit.label}`);
    const detection = await detectFramework(unit.dir);
    if (!detection) {
      throw new BuildFailure(
        `couldn't tell how to build ${where}: it has no Dockerfile, package.json, index.html, pom.xml or build.gradle; add a Dockerfile`,
      );
    }
    unit.detection = detection;
    build.log.line(detection.reason);

    build.log.line(`▶ Dockerfile${unit.label}`);
    if (detection.hasDockerfile) {
      build.log.line("Reusing the repository's Dockerfile");
    } else {
      const dockerfile = await generateDockerfile(unit.dir, detection, unit.port);
      if (dockerfile) {
        await writeFile(join(unit.dir, 'Dockerfile'), dockerfile);
        if (!(await this.exists(join(unit.dir, '.dockerignore')))) {
          await writeFile(join(unit.dir, '.dockerignore'), GENERATED_DOCKERIGNORE);
        }
        const port = unit.port ?? DEFAULT_PORTS[detection.framework as keyof typeof DEFAULT_PORTS];
        build.log.line(`Generated a Dockerfile (no Dockerfile in ${where}; EXPOSE ${port}):`);
        for (const line of dockerfile.trimEnd().split('\n')) build.log.line(line ? `  ${line}` : '');
      }
    }

    if (this.containers) {
      // The Dockerfile's own steps install and build, inside the image; nothing runs on this machine.
      build.log.line(`▶ Build${unit.label}`);
      build.log.line('Container mode: the Dockerfile builds the app, in the image step below');
      return;
    }
    await this.buildApp(build, unit, detection);
  }

  private async buildApp(build: ActiveBuild, unit: BuildUnit, detection: Detection): Promise<void> {
    const cwd = unit.dir;
    switch (detection.framework) {
      case 'node': {
        const pkg = detection.packageJson ?? {};
        const install = detection.hasLockfile ? 'ci' : 'install';
        if (hasDependencies(pkg)) {
          build.log.line(`▶ Install dependencies${unit.label}: npm ${install}`);
          await this.exec(build, {
            display: `npm ${install}`,
            command: 'npm',
            args: [install],
            cwd,
            tenant: true,
          });
        } else {
          build.log.line(`▶ Install dependencies${unit.label}`);
          build.log.line('No dependencies in package.json: nothing to install');
        }
        if (hasScript(pkg, 'build')) {
          build.log.line(`▶ Build${unit.label}: npm run build`);
          await this.exec(build, {
            display: 'npm run build',
            command: 'npm',
            args: ['run', 'build'],
            cwd,
            tenant: true,
          });
        } else {
          build.log.line(`▶ Build${unit.label}`);
          build.log.line('No build script in package.json: nothing to build');
        }
        return;
      }
      case 'static':
        build.log.line(`▶ Build${unit.label}`);
        build.log.line('Static site: nothing to build, the files are served as they are');
        return;
      case 'dockerfile':
        build.log.line(`▶ Build${unit.label}`);
        build.log.line('The Dockerfile builds the app: nothing to build outside it');
        return;
      case 'maven': {
        build.log.line(`▶ Build${unit.label}: mvn -B package -DskipTests`);
        const seen: string[] = [];
        await this.exec(build, {
          display: 'mvn -B package -DskipTests',
          command: 'mvn',
          args: [
            '-B',
            'package',
            '-DskipTests',
            `-Dmaven.repo.local=${join(await this.trees(), 'cache', 'm2')}`,
          ],
          cwd,
          tenant: true,
          seen,
        }).catch((error: unknown) => this.explainDownload(build, 'maven', seen, error));
        return;
      }
      case 'gradle': {
        // The wrapper is a POSIX script; running it through sh works even when git lost its exec bit.
        const [display, command, args] = detection.hasGradleWrapper
          ? ['./gradlew build -x test', 'sh', ['./gradlew', 'build', '-x', 'test', '--no-daemon']]
          : ['gradle build -x test', 'gradle', ['build', '-x', 'test', '--no-daemon']];
        build.log.line(`▶ Build${unit.label}: ${display}`);
        const seen: string[] = [];
        await this.exec(build, { display, command, args, cwd, tenant: true, seen }).catch((error: unknown) =>
          this.explainDownload(build, 'gradle', seen, error),
        );
        return;
      }
    }
  }

  /** A Maven or Gradle build that failed for want of a download says so, with what to do. */
  private explainDownload(
    build: ActiveBuild,
    tool: 'maven' | 'gradle',
    seen: readonly string[],
    error: unknown,
  ): never {
    const hint = error instanceof BuildFailure ? jvmDownloadHint(tool, seen) : undefined;
    if (!hint) throw error;
    build.log.line(hint);
    throw new BuildFailure(`${(error as Error).message}. ${hint.replace(/^\[wharf\] /, '')}`);
  }

  /** The image stage: buildah when it is installed, else a content digest; the built folder is kept either way. */
  private async image(build: ActiveBuild, unit: BuildUnit): Promise<ImageRef> {
    build.throwIfCancelled();
    const tag = build.record.buildId;
    const reference = `${unit.imageRepository}:${tag}`;
    if (this.containers) return this.containerImage(build, unit, this.containers);
    build.log.line(`▶ Image${unit.label}: ${reference}`);
    let digest: string | undefined;
    let pushed = reference;
    if (await onPath('buildah', build.env.PATH)) {
      const built = await this.buildahImage(build, unit, reference);
      if (typeof built === 'string')
        build.log.line(`Image step skipped: ${built}; running the built files as a process (process mode).`);
      else ({ digest, pushed } = built);
    } else {
      build.log.line(IMAGE_SKIPPED_LINE);
    }
    digest ??= await contentDigest(unit.dir);
    build.throwIfCancelled();
    await storeArtifact(unit.dir, this.artifactsDir, digest);
    build.log.line('Kept the built files for the local platform');
    build.log.line(`Image ${pushed} digest ${digest}`);
    return { reference: pushed, digest };
  }

  /**
   * Container mode: the Dockerfile (its `FROM` lines pointed at images this machine can reach) built by
   * infra/build/build-image.sh and pushed to the local registry; the release records the digest the
   * registry reports for it, which must be the one buildah pushed.
   */
  private async containerImage(
    build: ActiveBuild,
    unit: BuildUnit,
    containers: RunnerContainers,
  ): Promise<ImageRef> {
    const tree = build.tree as string;
    const repository = inRegistry(unit.imageRepository, containers.registry);
    const reference = `${repository}:${build.record.buildId}`;
    build.log.line(`▶ Image${unit.label}: ${reference}`);
    const original = await readFile(join(unit.dir, 'Dockerfile'), 'utf8').catch(() => {
      throw new BuildFailure(
        `there is no Dockerfile in ${unit.label ? `the folder ${unit.path}` : 'the repository'}`,
      );
    });
    const resolved = new Map<string, string>();
    for (const base of baseImages(original)) {
      build.throwIfCancelled();
      if (base.includes('$')) {
        build.log.line(`The base image ${base} is set by a build argument: buildah pulls it as it is`);
        continue;
      }
      try {
        resolved.set(base, await containers.resolveImage(base, (line) => build.log.line(line)));
      } catch (error) {
        throw new BuildFailure(
          `the local base image for ${base} could not be made (${errorMessage(error)}; in the build log below); deploy again to retry`,
          'platform',
        );
      }
    }
    // Written beside the checkout, not into it: the build context stays what the repository holds.
    const dockerfile = join(tree, `Dockerfile.${unit.name}`);
    await writeFile(dockerfile, rewriteFrom(original, resolved));
    const digestFile = join(tree, `${unit.name}.digest`);
    const seen: string[] = [];
    await this.exec(build, {
      seen,
      display: 'build-image.sh',
      command: BUILD_IMAGE_SCRIPT,
      args: [
        '--context',
        unit.dir,
        '--file',
        dockerfile,
        '--image',
        reference,
        '--digest-file',
        digestFile,
        '--tls-verify',
        'false',
      ],
      cwd: unit.dir,
      env: containers.env,
    }).catch((error: unknown) => {
      if (error instanceof BuildFailure && seen.some((line) => PULL_FAILED.test(line))) {
        throw new BuildFailure(
          `buildah could not pull a base image (in the build log below): from here only the local base images are reachable (${LOCAL_BASES}); use one of them in the Dockerfile's FROM`,
        );
      }
      throw error;
    });
    const pushedDigest = (await readFile(digestFile, 'utf8')).trim();
    const [name, tag] = splitReference(reference);
    const digest = await manifestDigest(`http://${containers.registry}`, name, tag);
    if (!digest || digest !== pushedDigest) {
      throw new BuildFailure(
        `the registry reports ${digest ?? 'no image'} for ${reference}, not the ${pushedDigest} buildah pushed; deploy again`,
        'platform',
      );
    }
    build.log.line(`Image ${reference} digest ${digest} (the registry's manifest digest)`);
    return { reference, digest };
  }

  private async buildahImage(
    build: ActiveBuild,
    unit: BuildUnit,
    reference: string,
  ): Promise<{ digest: string | undefined; pushed: string } | string> {
    // Keep buildah's layer store under the work folder, shared by builds, not in each build's HOME.
    const env = { XDG_DATA_HOME: join(this.workDir, '.cache', 'containers') };
    // A build never pulls: a base image that is not in this store already would need the network.
    const dockerfile = await readFile(join(unit.dir, 'Dockerfile'), 'utf8').catch(() => '');
    for (const base of baseImages(dockerfile)) {
      if (base.includes('$'))
        return `the base image ${base} is set by a build argument and can't be checked in the local image store`;
      const present = await this.exec(build, {
        display: 'buildah inspect',
        command: 'buildah',
        args: ['inspect', '--type', 'image', '--storage-driver', 'vfs', base],
        cwd: unit.dir,
        env,
        quiet: true,
      }).then(
        () => true,
        (error) => {
          if (error instanceof BuildCancelled) throw error;
          return false;
        },
      );
      if (!present)
        return `the base image ${base} is not in the local image store and nothing is pulled during a build`;
    }
    const seen: string[] = [];
    try {
      await this.exec(build, {
        display: 'buildah bud',
        command: 'buildah',
        args: ['bud', '--isolation', 'chroot', '--storage-driver', 'vfs', '-t', reference, '.'],
        cwd: unit.dir,
        env,
        seen,
      });
    } catch (error) {
      if (error instanceof BuildFailure && seen.some((line) => PULL_FAILED.test(line))) {
        return 'buildah could not reach an image registry (in the build log below)';
      }
      throw error;
    }
    if (!this.registry) {
      // Nothing can pull it by digest without a registry: the built files' digest names it instead.
      build.log.line(
        'No registry configured: the image stays in the local buildah store; recording a content digest of the built files',
      );
      return { digest: undefined, pushed: reference };
    }
    const pushed = reference.startsWith(`${this.registry}/`) ? reference : `${this.registry}/${reference}`;
    const digestFile = join(build.dir, `${unit.name}.digest`);
    await this.exec(build, {
      display: 'buildah push',
      command: 'buildah',
      args: ['push', '--digestfile', digestFile, '--storage-driver', 'vfs', reference, `docker://${pushed}`],
      cwd: unit.dir,
      env,
    }).catch((error: unknown) => {
      // Pushing to the platform's registry is the platform's part, whatever buildah says.
      if (error instanceof BuildFailure)
        throw new BuildFailure(
          `the platform's registry did not take the image: ${error.message}`,
          'platform',
        );
      throw error;
    });
    const digest = (await readFile(digestFile, 'utf8')).trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new BuildFailure(
        `buildah push wrote no image digest (got "${digest}"; in the build log below)`,
        'platform',
      );
    }
    return { digest, pushed };
  }
}
