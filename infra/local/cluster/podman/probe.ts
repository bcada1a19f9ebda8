import { request } from 'node:http';
import { connect } from 'node:net';
import type { Readiness } from './plan.ts';
import type { PodmanCli } from './podman-cli.ts';

/** Runs one readiness probe as the kubelet would; undefined when it passed, else what it saw. */
export async function probeOnce(
  podman: PodmanCli,
  container: string,
  check: Readiness,
): Promise<string | undefined> {
  if (check.type === 'exec') {
    const result = await Promise.race([
      podman.run(['exec', container, ...check.command]),
      new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), check.timeoutMs + 2_000).unref(),
      ),
    ]);
    if (!result) return `${check.command[0]} gave no answer within ${check.timeoutMs} ms`;
    return result.code === 0 ? undefined : `${check.command[0]} exited with code ${result.code}`;
  }
  if (check.type === 'tcp') {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: check.hostPort, timeout: check.timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(`no connection within ${check.timeoutMs} ms`);
      });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        resolve(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message),
      );
    });
  }
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: check.hostPort,
        path: check.path,
        headers: { 'user-agent': 'kube-probe/wharf-local', ...check.headers },
        agent: false,
        timeout: check.timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? undefined : String(status));
      },
    );
    req.once('timeout', () => {
      req.destroy();
      resolve(`no answer within ${check.timeoutMs} ms`);
    });
    // A published port answers with a reset while the container behind it is not listening yet.
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)),
    );
    req.end();
  });
}

export const describeCheck = (check: Readiness): string =>
  check.type === 'http'
    ? `GET ${check.path} on :${check.containerPort}`
    : check.type === 'tcp'
      ? 'TCP connect'
      : `exec ${check.command.join(' ')}`;
