import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../stack.ts';

/** How long a run waits for approval on the test stack. */
export const APPROVAL_TIMEOUT_SECONDS = 12;

export interface ProvidedStack {
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  stepFunctionsEndpoint: string;
  dataDir: string;
  webhookSecret: string;
  /** The handlers' environment, for tests that invoke handlers directly. */
  env: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    wharf: ProvidedStack;
  }
}

/** One local platform (in-memory DynamoDB Local, issuer, gateway) shared by the test files. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-test-'));
  process.env.LOG_LEVEL ??= 'error';
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: true,
    readinessTimeoutMs: 5000,
    // Short, so approvals.test.ts sees an unanswered approval expire; tests that approve do so at once.
    approvalTimeoutSeconds: APPROVAL_TIMEOUT_SECONDS,
  });
  project.provide('wharf', {
    url: stack.url,
    issuer: stack.issuer,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    stepFunctionsEndpoint: stack.stepFunctionsEndpoint,
    dataDir,
    webhookSecret: stack.webhookSecret,
    env: stack.env,
  });
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
