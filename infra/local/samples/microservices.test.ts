import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../net.ts';

/**
 * The microservices sample as processes: the orders service compiles with the JDK alone (the same
 * javac and jar steps as its Dockerfile) and answers its actuator and /orders paths, and the gateway
 * reaches it through the ORDERS_URL the platform injects.
 */

const exec = promisify(execFile);
const sample = resolve(import.meta.dirname, '../../../samples/microservices');
const ordersDir = join(sample, 'services/orders');
const jdk = await exec('javac', ['-version']).then(
  () => true,
  () => false,
);

let out: string;
const children: ChildProcess[] = [];

function start(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function answer(url: string, ms = 20_000): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe.skipIf(!jdk)('the microservices sample (skipped: no JDK)', () => {
  let ordersPort: number;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'wharf-orders-'));
    const dockerfile = await readFile(join(ordersDir, 'Dockerfile'), 'utf8');
    // The Dockerfile builds with javac and jar from the JDK image, and runs the jar on the JRE.
    expect(dockerfile).toMatch(/^FROM eclipse-temurin:17-jdk AS build$/m);
    expect(dockerfile).toMatch(/^FROM eclipse-temurin:17-jre$/m);
    expect(dockerfile).toMatch(/^USER 10001/m);
    expect(dockerfile).not.toMatch(/^RUN .*(mvn|gradle)/im);
    const classes = join(out, 'classes');
    const sources = (await exec('find', ['src', '-name', '*.java'], { cwd: ordersDir })).stdout
      .trim()
      .split('\n');
    await exec('javac', ['--release', '17', '-d', classes, ...sources], { cwd: ordersDir });
    await exec('jar', [
      '--create',
      '--file',
      join(out, 'orders.jar'),
      '--main-class',
      'sample.orders.OrdersService',
      '-C',
      classes,
      '.',
    ]);
    ordersPort = await freePort();
    start(
      'java',
      ['-jar', join(out, 'orders.jar')],
      { PORT: String(ordersPort), SPRING_PROFILES_ACTIVE: 'staging' },
      out,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('serves the actuator probe paths and /orders as JSON', async () => {
    const readiness = await answer(`http://127.0.0.1:${ordersPort}/actuator/health/readiness`);
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toEqual({ status: 'UP' });
    const liveness = await fetch(`http://127.0.0.1:${ordersPort}/actuator/health/liveness`);
    expect(liveness.status).toBe(200);
    const orders = await fetch(`http://127.0.0.1:${ordersPort}/orders`);
    expect(orders.headers.get('content-type')).toBe('application/json');
    const body = (await orders.json()) as { service: string; profile: string; orders: unknown[] };
    expect(body).toMatchObject({ service: 'orders', profile: 'staging' });
    expect(body.orders).toContainEqual({ id: 'o-1001', item: 'coffee beans', quantity: 2 });
    expect((await fetch(`http://127.0.0.1:${ordersPort}/nothing`)).status).toBe(404);
  });

  it('the gateway calls orders through ORDERS_URL and answers what it got', async () => {
    const gatewayPort = await freePort();
    start(
      process.execPath,
      ['server.js'],
      { PORT: String(gatewayPort), ORDERS_URL: `http://127.0.0.1:${ordersPort}` },
      join(sample, 'services/gateway'),
    );
    expect((await answer(`http://127.0.0.1:${gatewayPort}/actuator/health/readiness`)).status).toBe(200);
    const root = await fetch(`http://127.0.0.1:${gatewayPort}/`);
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({
      service: 'gateway',
      calledUrl: `http://127.0.0.1:${ordersPort}/orders`,
      orders: { service: 'orders' },
    });
  });

  it('the gateway answers 502 with the reason when orders is unreachable, 500 without ORDERS_URL', async () => {
    const [unreachable, gatewayPort, bare] = [await freePort(), await freePort(), await freePort()];
    start(
      process.execPath,
      ['server.js'],
      { PORT: String(gatewayPort), ORDERS_URL: `http://127.0.0.1:${unreachable}` },
      join(sample, 'services/gateway'),
    );
    const failed = await answer(`http://127.0.0.1:${gatewayPort}/`);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ error: 'could not reach orders: ECONNREFUSED' });
    start(process.execPath, ['server.js'], { PORT: String(bare) }, join(sample, 'services/gateway'));
    const missing = await answer(`http://127.0.0.1:${bare}/`);
    expect(missing.status).toBe(500);
    expect(((await missing.json()) as { error: string }).error).toMatch(/ORDERS_URL is not set/);
  });
});
