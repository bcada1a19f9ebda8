import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../stack.ts';

export interface ProvidedStack {
  url: string;
  issuer: string;
  dynamodbEndpoint: string;
  dataDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    wharf: ProvidedStack;
  }
}

/** One local platform (in-memory DynamoDB Local, issuer, gateway) shared by the test files. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-test-'));
  const stack = await startLocalStack({ port: 0, dataDir, inMemory: true });
  project.provide('wharf', {
    url: stack.url,
    issuer: stack.issuer,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    dataDir,
  });
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
