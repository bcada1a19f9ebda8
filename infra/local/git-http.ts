import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Sample repositories served over git's smart HTTP protocol, so the local platform has something to
 * deploy without internet access: each folder of samples/ becomes a bare repository that users can
 * clone from (http://localhost:8080/git/<name>.git once the gateway mounts the handler). They are
 * shared by every workspace, so they are read-only over HTTP; the operator changes one by pushing to
 * its folder on disk (`git push <data dir>/git/<name>.git main`).
 */

const run = promisify(execFile);
const REPO_NAME = /^[a-z0-9-]+$/;
const SAMPLE_AUTHOR = { name: 'Wharf Samples', email: 'samples@wharf.local' };
/** `/<name>.git` followed by what git asks for: `/info/refs`, `/git-upload-pack`, `/objects/…`. */
const GIT_PATH = /^\/([a-z0-9-]+)\.git(\/[A-Za-z0-9._/-]*)?$/;
const MAX_HEADER_BYTES = 64 * 1024;

export interface SampleRepo {
  name: string;
  /** The bare repository's folder. */
  path: string;
  /** False when it already existed (and was left as it is). */
  created: boolean;
}

export interface SampleInfo {
  name: string;
  /** The first line of the sample's README, without the heading marks. */
  description: string;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Git with no user or system configuration, so the machine's settings don't change what it writes. */
function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...extra,
  };
}

async function sampleNames(samplesDir: string): Promise<string[]> {
  const entries = await readdir(samplesDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && REPO_NAME.test(e.name))
    .map((e) => e.name)
    .sort();
}

export async function listSamples({ samplesDir }: { samplesDir: string }): Promise<SampleInfo[]> {
  const names = await sampleNames(samplesDir);
  return Promise.all(
    names.map(async (name) => {
      let description = '';
      try {
        const readme = await readFile(join(samplesDir, name, 'README.md'), 'utf8');
        const first = readme.split('\n').find((line) => line.trim() !== '') ?? '';
        description = first.replace(/^\s*#+\s*/, '').trim();
      } catch {
        // No README: no description.
      }
      return { name, description };
    }),
  );
}

/** One commit of the sample's files (as its .gitignore allows) in a new bare repository at `target`. */
async function createSampleRepo(sampleDir: string, target: string): Promise<void> {
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const git = (args: string[], env: Record<string, string> = {}) =>
    run('git', args, { env: gitEnv(env), cwd: sampleDir });
  try {
    await git(['init', '--quiet', '--bare', '--initial-branch=main', temporary]);
    const repo = ['--git-dir', temporary, '--work-tree', sampleDir];
    await git([...repo, 'add', '--all', '.']);
    await git([...repo, 'commit', '--quiet', '--message', 'Sample app from Wharf'], {
      GIT_AUTHOR_NAME: SAMPLE_AUTHOR.name,
      GIT_AUTHOR_EMAIL: SAMPLE_AUTHOR.email,
      GIT_COMMITTER_NAME: SAMPLE_AUTHOR.name,
      GIT_COMMITTER_EMAIL: SAMPLE_AUTHOR.email,
    });
    // Shared by every tenant: nobody pushes over HTTP (the handler refuses it before git sees it, too).
    await git(['--git-dir', temporary, 'config', 'http.receivepack', 'false']);
    await rm(join(temporary, 'index'), { force: true });
    // Appears whole or not at all; if another process made it meanwhile, theirs stays.
    await rename(temporary, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/**
 * Makes `<reposDir>/<name>.git` for each sample folder that has no repository yet. Existing ones are
 * never touched: they may hold what users pushed.
 */
export async function prepareSampleRepos({
  samplesDir,
  reposDir,
}: {
  samplesDir: string;
  reposDir: string;
}): Promise<SampleRepo[]> {
  await mkdir(reposDir, { recursive: true });
  const repos: SampleRepo[] = [];
  for (const name of await sampleNames(samplesDir)) {
    const path = join(reposDir, `${name}.git`);
    if (await exists(path)) {
      repos.push({ name, path, created: false });
      continue;
    }
    await createSampleRepo(join(samplesDir, name), path);
    repos.push({ name, path, created: true });
  }
  return repos;
}

export type GitHttpHandler = (req: IncomingMessage, res: ServerResponse, subPath: string) => Promise<void>;

function plain(res: ServerResponse, status: number, text: string) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

/** Splits a CGI response head into a status and headers (RFC 3875 §6). */
function parseCgiHead(head: string): { status: number; headers: Array<[string, string]> } {
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

/** Where the CGI head ends: the first blank line, with either line ending. */
function headEnd(buffer: Buffer): { end: number; bodyStart: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return undefined;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  return { end: lf, bodyStart: lf + 2 };
}

/**
 * Git's smart HTTP protocol for the repositories in `reposDir`, by running `git http-backend` as a CGI
 * program. `subPath` is what follows the mount point, e.g. `/node-web.git/info/refs`; only
 * `/<name>.git/…` with a name of [a-z0-9-] is accepted, so no request reaches outside `reposDir`.
 */
export function createGitHttpHandler({
  reposDir,
  remoteUser,
}: {
  reposDir: string;
  /** Who is pushing, for git's logs, when the caller has authenticated the request. */
  remoteUser?: ((req: IncomingMessage) => string | undefined) | undefined;
}): GitHttpHandler {
  return async (req, res, subPath) => {
    const path = subPath.split('?')[0] ?? '';
    const match = GIT_PATH.exec(path);
    if (!match?.[1] || path.split('/').some((segment) => segment === '..' || segment === '.')) {
      return plain(res, 404, 'Not found: repositories are served as /git/<name>.git');
    }
    if (!(await exists(join(reposDir, `${match[1]}.git`)))) {
      return plain(res, 404, `Repository ${match[1]}.git not found`);
    }
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    if (
      path.endsWith('/git-receive-pack') ||
      new URLSearchParams(query).get('service') === 'git-receive-pack'
    ) {
      req.resume();
      return plain(
        res,
        403,
        'The sample repositories are read-only: clone one and push it to a repository of your own.',
      );
    }
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROJECT_ROOT: reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      PATH_INFO: path,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: query,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    };
    const optional: Array<[string, string | undefined]> = [
      ['CONTENT_TYPE', header('content-type')],
      ['CONTENT_LENGTH', header('content-length')],
      ['HTTP_CONTENT_ENCODING', header('content-encoding')],
      // Protocol v2 is negotiated through this header.
      ['GIT_PROTOCOL', header('git-protocol')],
      ['REMOTE_USER', remoteUser?.(req)],
    ];
    for (const [name, value] of optional) if (value) env[name] = value;

    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // the backend may answer before reading the whole body
    req.pipe(child.stdin);
    req.once('aborted', () => child.kill('SIGTERM'));
    res.once('close', () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });

    await new Promise<void>((resolve) => {
      let head: Buffer = Buffer.alloc(0);
      let started = false;
      let broken = false;
      child.stdout.on('data', (chunk: Buffer) => {
        if (broken) return;
        if (started) {
          if (!res.write(chunk)) {
            child.stdout.pause();
            res.once('drain', () => child.stdout.resume());
          }
          return;
        }
        head = Buffer.concat([head, chunk]);
        const split = headEnd(head);
        if (!split) {
          if (head.length > MAX_HEADER_BYTES) {
            broken = true;
            child.kill('SIGTERM');
            plain(res, 502, 'git http-backend sent no response headers');
          }
          return;
        }
        started = true;
        const { status, headers } = parseCgiHead(head.subarray(0, split.end).toString('latin1'));
        res.statusCode = status;
        for (const [name, value] of headers) res.appendHeader(name, value);
        const body = head.subarray(split.bodyStart);
        if (body.length > 0) res.write(body);
      });
      child.once('error', (error) => {
        if (!broken && !started) plain(res, 500, `git http-backend could not start: ${error.message}`);
        broken = true;
        resolve();
      });
      child.once('close', (code) => {
        if (broken) {
          // Already answered.
        } else if (!started) {
          // git's message names folders on this machine: it goes to the operator's log, not the client.
          const detail = Buffer.concat(stderr).toString('utf8').trim().replaceAll(reposDir, '<repos>');
          console.error(`git http-backend failed for ${path} (exit code ${code}): ${detail}`);
          plain(res, 500, `git http-backend failed (exit code ${code})`);
        } else res.end();
        resolve();
      });
    });
  };
}
