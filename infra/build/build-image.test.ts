import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTAINER_INSTALL_COMMAND,
  type ContainerEnvironment,
  containerEnvironment,
  missingContainerTools,
} from '../local/containers/environment.ts';

/**
 * The one build script, run for real: buildah builds a FROM-scratch busybox image and pushes it to a
 * local registry (Debian's docker-registry, the engine Harbor wraps) served over TLS like Harbor, so
 * the pipeline's call (no --tls-verify, TLS verified) is what runs here too.
 */

const exec = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');
const script = join(repoRoot, 'infra/build/build-image.sh');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const missing = [...(await missingContainerTools())];
try {
  await exec('sh', ['-c', 'command -v openssl']);
} catch {
  missing.push('openssl');
}
const title = missing.length
  ? `build-image.sh (skipped: ${missing.join(', ')} missing; ${CONTAINER_INSTALL_COMMAND} openssl)`
  : 'build-image.sh';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The registry's answer for a manifest: its Docker-Content-Digest, and the sha256 of the bytes. */
function manifest(
  registry: string,
  ca: string,
  repository: string,
  tag: string,
): Promise<{ status: number; header: string; computed: string; body: string }> {
  return new Promise((done, fail) => {
    const req = request(
      `https://${registry}/v2/${repository}/manifests/${tag}`,
      { ca, headers: { accept: OCI_MANIFEST } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          done({
            status: res.statusCode ?? 0,
            header: String(res.headers['docker-content-digest'] ?? ''),
            computed: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
            body: bytes.toString('utf8'),
          });
        });
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** The shell of the Jenkinsfile's build step, as Groovy hands it to `sh` (''' string escapes applied). */
function jenkinsBuildStep(jenkinsfile: string): string {
  const at = jenkinsfile.indexOf("container('buildah')");
  const open = jenkinsfile.indexOf("sh '''", at);
  const close = jenkinsfile.indexOf("'''", open + 6);
  if (at === -1 || open === -1 || close === -1) throw new Error("no sh ''' step in container('buildah')");
  return jenkinsfile
    .slice(open + 6, close)
    .replace(/\\(\\|\n|n|')/g, (_, c: string) => (c === '\n' ? '' : c === 'n' ? '\n' : c));
}

describe.skipIf(missing.length > 0)(title, () => {
  let dir = '';
  let registryProcess: ReturnType<typeof spawn> | undefined;
  let registry = '';
  let ca = '';
  const environments: ContainerEnvironment[] = [];

  /** A store of its own per build: a second build can't reuse the first one's layers. */
  async function freshStore(name: string): Promise<NodeJS.ProcessEnv> {
    const environment = await containerEnvironment(join(dir, name), { registry });
    environments.push(environment);
    return { PATH: process.env.PATH, HOME: dir, ...environment.env };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-build-image-'));
    // A busybox image from scratch: no base image to pull, so the test needs no network.
    await mkdir(join(dir, 'bb/www'), { recursive: true });
    await exec('cp', ['/bin/busybox', join(dir, 'bb/busybox')]);
    await writeFile(join(dir, 'bb/www/index.html'), '<h1>hello from scratch</h1>\n');
    await writeFile(
      join(dir, 'bb/Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'COPY www /www',
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        'EXPOSE 8080',
        'CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]',
        '',
      ].join('\n'),
    );

    const port = await freePort();
    registry = `127.0.0.1:${port}`;
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'registry.key'),
      '-out',
      join(dir, 'registry.crt'),
    ]);
    ca = await readFile(join(dir, 'registry.crt'), 'utf8');
    await writeFile(
      join(dir, 'registry.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'registry-data')}`,
        'http:',
        `  addr: ${registry}`,
        '  tls:',
        `    certificate: ${join(dir, 'registry.crt')}`,
        `    key: ${join(dir, 'registry.key')}`,
        '',
      ].join('\n'),
    );
    registryProcess = spawn('docker-registry', ['serve', join(dir, 'registry.yml')], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const probe = await manifest(registry, ca, 'none', 'none');
        if (probe.status > 0) break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  afterAll(async () => {
    registryProcess?.kill('SIGTERM');
    for (const environment of environments) {
      const env = { PATH: process.env.PATH, ...environment.env };
      await run('buildah', ['rm', '--all'], env);
      await run('buildah', ['rmi', '--all', '--force'], env);
      const conf = await readFile(environment.env.CONTAINERS_CONF ?? '', 'utf8').catch(() => '');
      const tmp = conf.match(/^tmp_dir = "(.+)"$/m)?.[1];
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds, pushes, and writes the manifest digest the registry stores', async () => {
    const env = { ...(await freshStore('first')), SSL_CERT_FILE: join(dir, 'registry.crt') };
    const digestFile = join(dir, 'first.digest');
    const result = await run(
      'bash',
      [
        script,
        '--context',
        join(dir, 'bb'),
        '--file',
        join(dir, 'bb/Dockerfile'),
        '--image',
        `${registry}/wharf/busybox:1`,
        '--digest-file',
        digestFile,
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const digest = (await readFile(digestFile, 'utf8')).trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const stored = await manifest(registry, ca, 'wharf/busybox', '1');
    expect(stored.header).toBe(digest);
    expect(stored.computed).toBe(digest);
    // --format oci, and --timestamp 0 fixes the image's created date.
    const parsed = JSON.parse(stored.body) as { mediaType: string; config: { digest: string } };
    expect(parsed.mediaType).toBe(OCI_MANIFEST);
    const inspect = await run(
      'skopeo',
      ['inspect', '--config', `docker://${registry}/wharf/busybox@${digest}`],
      env,
    );
    expect(inspect.code, inspect.stderr).toBe(0);
    expect((JSON.parse(inspect.stdout) as { created: string }).created).toBe('1970-01-01T00:00:00Z');
    expect(result.stdout).toContain(`Pushed ${registry}/wharf/busybox:1@${digest}`);
  });

  it('gives the same digest when the same context is built again from an empty store', async () => {
    const first = (await readFile(join(dir, 'first.digest'), 'utf8')).trim();
    // --tls-verify false (what the local runner passes for its plain-HTTP registry) also reaches a
    // TLS registry whose certificate it does not know.
    const env = await freshStore('second');
    const digestFile = join(dir, 'second.digest');
    const result = await run(
      'bash',
      [
        script,
        '--context',
        join(dir, 'bb'),
        '--file',
        join(dir, 'bb/Dockerfile'),
        '--image',
        `${registry}/wharf/busybox:2`,
        '--digest-file',
        digestFile,
        '--tls-verify',
        'false',
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    // A fresh store ran every step again (no layer cache), and still: the same bytes.
    expect(result.stdout).not.toContain('Using cache');
    expect((await readFile(digestFile, 'utf8')).trim()).toBe(first);
    expect((await manifest(registry, ca, 'wharf/busybox', '2')).header).toBe(first);
  });

  it('runs as the Jenkinsfile calls it, marking the push phase right before the push', async () => {
    const workspace = join(dir, 'workspace');
    await mkdir(join(workspace, '.docker'), { recursive: true });
    await mkdir(join(workspace, 'out'), { recursive: true });
    await writeFile(join(workspace, '.docker/config.json'), '{"auths":{}}\n');
    // The pipeline checks this repository out as "wharf" next to the project's "src".
    await symlink(repoRoot, join(workspace, 'wharf'));
    await symlink(join(dir, 'bb'), join(workspace, 'src'));
    const step = join(dir, 'jenkins-image-step.sh');
    await writeFile(
      step,
      jenkinsBuildStep(await readFile(join(repoRoot, 'infra/jenkins/Jenkinsfile'), 'utf8')),
    );
    const env = {
      ...(await freshStore('jenkins')),
      SSL_CERT_FILE: join(dir, 'registry.crt'),
      WORKSPACE: workspace,
      UNIT_DIR: join(workspace, 'src'),
      UNIT_REF: `${registry}/wharf/w1/shop:r1`,
      UNIT_DIGEST_FILE: join(workspace, 'out/app.digest'),
    };
    const result = await run('bash', [step], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const marker = lines.indexOf('[wharf] phase: push');
    expect(marker).toBeGreaterThan(lines.findIndex((l) => l.startsWith('STEP ')));
    expect(lines[marker + 1]).toBe(`Pushing ${registry}/wharf/w1/shop:r1`);
    const digest = (await readFile(join(workspace, 'out/app.digest'), 'utf8')).trim();
    expect((await manifest(registry, ca, 'wharf/w1/shop', 'r1')).header).toBe(digest);
  });

  it('refuses incomplete or wrong arguments with its usage', async () => {
    const env = { PATH: process.env.PATH };
    const incomplete = await run('bash', [script, '--context', join(dir, 'bb')], env);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toMatch(/usage: \S*build-image\.sh --context DIR --file DOCKERFILE/);
    const unknown = await run('bash', [script, '--push-to', 'x'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option:? --push-to/);
    const badFlag = await run(
      'bash',
      [
        script,
        '--context',
        join(dir, 'bb'),
        '--file',
        join(dir, 'bb/Dockerfile'),
        '--image',
        'x/y:z',
        '--digest-file',
        join(dir, 'never'),
        '--tls-verify',
        'maybe',
      ],
      env,
    );
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--tls-verify takes true or false, not maybe');
  });
});
